namespace Vigil.Domain.Reference;

/// <summary>A monitor, wearable or gateway of a customer, optionally assigned to one patient.</summary>
public sealed record Device(string Id, string CustomerId, string Serial, string Type, string? PatientId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

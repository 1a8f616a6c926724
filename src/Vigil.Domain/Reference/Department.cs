namespace Vigil.Domain.Reference;

/// <summary>A ward or unit of a customer.</summary>
public sealed record Department(string Id, string CustomerId, string Name, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

namespace Vigil.Domain.Reference;

/// <summary>A tenant: a hospital, a care provider or a wellness service. Everything else belongs to one.</summary>
public sealed record Customer(string Id, string Name, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

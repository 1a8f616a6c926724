namespace Vigil.Domain.Reference;

/// <summary>An API key as listed: never the secret. <see cref="CustomerId"/> is null for a system key.</summary>
public sealed record ApiKeyInfo(string Id, string? CustomerId, string Name, string Role, DateTimeOffset CreatedAt, string? CreatedBy, DateTimeOffset? RevokedAt);

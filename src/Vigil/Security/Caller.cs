using System.Security.Claims;

namespace Vigil.Security;

/// <summary>Who is calling: the key (or user) id, its role, and its customer (null for a system key).</summary>
public sealed record Caller(string Id, string Role, string? CustomerId)
{
    public const string CustomerClaim = "vigil_customer";

    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Caller is not authenticated."),
        user.FindFirstValue(ClaimTypes.Role) ?? "",
        user.FindFirstValue(CustomerClaim));

    /// <summary>The caller's customer; endpoints that need one are guarded by <see cref="Access"/>, so it is present there.</summary>
    public string Tenant => CustomerId ?? throw new InvalidOperationException("This endpoint requires a customer's key.");
}

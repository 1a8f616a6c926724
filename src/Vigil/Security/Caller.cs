using System.Security.Claims;

namespace Vigil.Security;

/// <summary>Who is calling: the key (or user) id, its role, and its customer (null for a system key).</summary>
public sealed record Caller(string Id, string Role, string? CustomerId)
{
    public const string CustomerClaim = "vigil_customer";

    /// <summary>
    /// When Vigil stops accepting the credential, in Unix milliseconds: a bearer token's expiry plus the clock skew.
    /// Absent for API keys, which hold until they are revoked.
    /// </summary>
    public const string AcceptedUntilClaim = "vigil_accepted_until";

    /// <summary>The claim saying the credential is accepted until <paramref name="until"/>.</summary>
    public static Claim AcceptedUntilClaimOf(DateTimeOffset until) =>
        new(AcceptedUntilClaim, until.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>When the credential of <paramref name="user"/> stops being accepted, if it ever does on its own.</summary>
    public static DateTimeOffset? AcceptedUntil(ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(AcceptedUntilClaim), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    public static Caller From(ClaimsPrincipal user) => new(
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Caller is not authenticated."),
        user.FindFirstValue(ClaimTypes.Role) ?? "",
        user.FindFirstValue(CustomerClaim));

    /// <summary>The caller's customer; endpoints that need one are guarded by <see cref="Access"/>, so it is present there.</summary>
    public string Tenant => CustomerId ?? throw new InvalidOperationException("This endpoint requires a customer's key.");
}

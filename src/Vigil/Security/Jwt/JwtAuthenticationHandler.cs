using System.Security.Claims;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Vigil.Domain.Reference;

namespace Vigil.Security.Jwt;

/// <summary>
/// Authenticates <c>Authorization: Bearer</c> tokens (RFC 6750) with <see cref="JwtValidator"/> and maps them to a
/// caller: <c>sub</c> to the id, the <c>roles</c> claim (an array or a space- or comma-separated string) to one of
/// admin, clinician, viewer (the strongest it names), <c>vigil_customer</c> to the tenant. A token naming none of
/// those roles, or a clinician or viewer of no customer, is authenticated without a role and so refused with 403.
/// </summary>
public sealed class JwtAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
    IOptions<JwtOptions> jwt, JwtValidator validator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Bearer";
    public const string RolesClaim = "roles";

    /// <summary>Roles a person may hold, strongest first; <c>device</c> is for API keys only.</summary>
    private static readonly string[] PersonRoles = [Role.Admin, Role.Clinician, Role.Viewer];

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!TryReadToken(Request, out var token))
        {
            return AuthenticateResult.NoResult();
        }

        if (!jwt.Value.Enabled)
        {
            return AuthenticateResult.Fail("This server accepts no bearer tokens: no token signing keys are configured.");
        }

        if (Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.Header))
        {
            return AuthenticateResult.Fail($"Send a bearer token or an {ApiKeyAuthenticationHandler.Header} header, not both.");
        }

        if (token is null)
        {
            return AuthenticateResult.Fail("The Authorization header holds no single bearer token.");
        }

        var result = await validator.ValidateAsync(token, Context.RequestAborted);
        if (!result.Valid)
        {
            return AuthenticateResult.Fail(result.Error!);
        }

        if (result.Claims.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String && sub.GetString() is { Length: > 0 } subject)
        {
            return AuthenticateResult.Success(new AuthenticationTicket(Principal(subject, result.Claims, result.AcceptedUntil), SchemeName));
        }

        return AuthenticateResult.Fail("The token names no subject (sub).");
    }

    private static ClaimsPrincipal Principal(string subject, JsonElement claims, DateTimeOffset acceptedUntil)
    {
        var customer = claims.TryGetProperty(Caller.CustomerClaim, out var c) && c.ValueKind == JsonValueKind.String && c.GetString() is { Length: > 0 } id
            ? id : null;
        var named = RoleNames(claims).ToHashSet(StringComparer.Ordinal);
        var role = PersonRoles.FirstOrDefault(named.Contains);
        var identity = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, "user:" + subject),
            Caller.AcceptedUntilClaimOf(acceptedUntil),
        };
        // Only an admin may stand outside every customer (a system administrator), as with API keys.
        if (role is not null && (customer is not null || role == Role.Admin))
        {
            identity.Add(new Claim(ClaimTypes.Role, role));
        }

        if (customer is not null)
        {
            identity.Add(new Claim(Caller.CustomerClaim, customer));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(identity, SchemeName));
    }

    private static IEnumerable<string> RoleNames(JsonElement claims)
    {
        if (!claims.TryGetProperty(RolesClaim, out var roles))
        {
            return [];
        }

        return roles.ValueKind switch
        {
            JsonValueKind.String => roles.GetString()!.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries),
            JsonValueKind.Array => roles.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.String).Select(r => r.GetString()!),
            _ => [],
        };
    }

    /// <summary>True when the request carries <c>Authorization: Bearer</c>; <paramref name="token"/> is null when it is not exactly one token.</summary>
    public static bool TryReadToken(HttpRequest request, out string? token)
    {
        token = null;
        var values = request.Headers.Authorization;
        if (values.Count == 0 || !values.Any(v => v?.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) == true))
        {
            return false;
        }

        if (values.Count == 1 && values[0]!["Bearer ".Length..].Trim() is { Length: > 0 } value && !value.Contains(' ', StringComparison.Ordinal))
        {
            token = value;
        }

        return true;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        var reason = result.Failure?.Message ?? "Send a valid bearer token.";
        // RFC 6750 section 3: the error and its description travel in the challenge too.
        Response.Headers.WWWAuthenticate = $"Bearer realm=\"vigil\", error=\"invalid_token\", error_description=\"{reason.Replace("\"", "'", StringComparison.Ordinal)}\"";
        await Problems.Write(Context, StatusCodes.Status401Unauthorized, "Authentication required", reason);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden",
            "This token's roles may not do this (roles admin, clinician or viewer, with vigil_customer for clinicians and viewers).");
}

using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Vigil.Security.Jwt;
using Vigil.Storage.Security;

namespace Vigil.Security;

/// <summary>
/// Authenticates the <c>X-Api-Key</c> header against stored key hashes (constant-time comparison). Its challenge also
/// names the Bearer scheme when bearer tokens are configured.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyCache keys, IOptions<JwtOptions> jwt)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string Header = "X-Api-Key";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(Header, out var values))
        {
            return AuthenticateResult.NoResult();
        }

        if (values.Count != 1 || !ApiKeyStore.TryParseKey(values[0]!, out var id, out var secret))
        {
            return AuthenticateResult.Fail("Malformed API key.");
        }

        var stored = await keys.FindAsync(id);
        if (stored is null || stored.Info.RevokedAt is not null
            || !CryptographicOperations.FixedTimeEquals(stored.SecretHash, ApiKeyStore.Hash(secret)))
        {
            return AuthenticateResult.Fail("Unknown or revoked API key.");
        }

        var claims = new List<Claim>
        {
            new(ClaimTypes.NameIdentifier, "key:" + stored.Info.Id),
            new(ClaimTypes.Role, stored.Info.Role),
        };
        if (stored.Info.CustomerId is not null)
        {
            claims.Add(new Claim(Caller.CustomerClaim, stored.Info.CustomerId));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var apiKey = $"{SchemeName} header=\"{Header}\"";
        Response.Headers.WWWAuthenticate = jwt.Value.Enabled ? new Microsoft.Extensions.Primitives.StringValues([apiKey, "Bearer realm=\"vigil\""]) : apiKey;
        return Problems.Write(Context, StatusCodes.Status401Unauthorized, "Authentication required", jwt.Value.Enabled
            ? $"Send a valid API key in the {Header} header or a bearer token in the Authorization header."
            : $"Send a valid API key in the {Header} header.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "This key's role may not do this.");
}

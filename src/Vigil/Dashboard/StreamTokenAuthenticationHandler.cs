using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Vigil.Api;
using Vigil.Security;

namespace Vigil.Dashboard;

/// <summary>
/// Authenticates the live stream by its <c>access_token</c> query parameter (<see cref="StreamTokens"/>); the key the
/// token names must still exist and not be revoked; a person's token (signed in with a bearer token) carries the role
/// the bearer token gave. Only the stream endpoint uses this scheme.
/// </summary>
public sealed class StreamTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, StreamTokens tokens, ApiKeyCache keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = Access.StreamScheme;
    public const string Parameter = "access_token";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Query.TryGetValue(Parameter, out var values) || values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return AuthenticateResult.NoResult();
        }

        if (tokens.Read(values[0]!) is not var (caller, acceptedUntil))
        {
            return AuthenticateResult.Fail("Unknown or expired stream token.");
        }

        string role;
        if (caller.Id.StartsWith("key:", StringComparison.Ordinal))
        {
            var stored = await keys.FindAsync(caller.Id["key:".Length..]);
            if (stored is null || stored.Info.RevokedAt is not null || stored.Info.CustomerId != caller.CustomerId)
            {
                return AuthenticateResult.Fail("The stream token's API key is revoked.");
            }

            role = stored.Info.Role;
        }
        else if (caller.Id.StartsWith("user:", StringComparison.Ordinal))
        {
            // A person's bearer token was verified when the stream token was issued, at most a minute ago.
            role = caller.Role;
        }
        else
        {
            return AuthenticateResult.Fail("Unknown or expired stream token.");
        }

        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, caller.Id), new(ClaimTypes.Role, role) };
        if (caller.CustomerId is not null)
        {
            claims.Add(new Claim(Caller.CustomerClaim, caller.CustomerId));
        }

        if (acceptedUntil is { } until)
        {
            claims.Add(Caller.AcceptedUntilClaimOf(until));
        }

        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status401Unauthorized, "Authentication required",
            $"Open the stream with a fresh token from POST /api/v1/dashboard/stream-tokens in the {Parameter} query parameter.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        Problems.Write(Context, StatusCodes.Status403Forbidden, "Forbidden", "This key's role may not do this.");
}

using Microsoft.AspNetCore.DataProtection;
using Vigil.Security;

namespace Vigil.Dashboard;

/// <summary>
/// Short-lived tokens that open the dashboard's live stream. A browser's <c>EventSource</c> cannot send the
/// <c>X-Api-Key</c> header, and a key in a URL would end up in logs and history; so the page trades its key, over an
/// ordinary authenticated request, for a token that names the key and its customer, is signed and encrypted with
/// ASP.NET Core's data protection (keys in the data directory), and opens a stream only within <see cref="Lifetime"/>.
/// A token of a person's bearer token carries when that stops being accepted: the token opens no stream after it, and
/// the stream it opens ends at it.
/// </summary>
public sealed class StreamTokens(IDataProtectionProvider protection, TimeProvider clock)
{
    /// <summary>How long a token can open a stream.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private readonly ITimeLimitedDataProtector _protector =
        protection.CreateProtector("Vigil.Dashboard.StreamToken.v1").ToTimeLimitedDataProtector();

    /// <summary>A token for <paramref name="caller"/>, whose credential is accepted until <paramref name="acceptedUntil"/> (null: until revoked).</summary>
    public (string Token, DateTimeOffset ExpiresAt) Issue(Caller caller, DateTimeOffset? acceptedUntil)
    {
        var expires = clock.GetUtcNow() + Lifetime;
        if (acceptedUntil < expires)
        {
            expires = acceptedUntil.Value;
        }

        var until = acceptedUntil?.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "";
        return (_protector.Protect($"{caller.Id}\n{caller.Role}\n{caller.CustomerId}\n{until}", expires), expires);
    }

    /// <summary>
    /// The caller a token was issued to and when its credential stops being accepted (null: until revoked), or null
    /// when the token is forged, altered or expired.
    /// </summary>
    public (Caller Caller, DateTimeOffset? AcceptedUntil)? Read(string token)
    {
        try
        {
            var parts = _protector.Unprotect(token, out var expires).Split('\n');
            if (parts.Length != 4 || expires < clock.GetUtcNow())
            {
                return null;
            }

            DateTimeOffset? acceptedUntil = parts[3].Length == 0 ? null
                : DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture));
            return (new Caller(parts[0], parts[1], parts[2].Length == 0 ? null : parts[2]), acceptedUntil);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}

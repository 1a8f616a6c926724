using Microsoft.AspNetCore.DataProtection;
using Vigil.Security;

namespace Vigil.Dashboard;

/// <summary>
/// Short-lived tokens that open the dashboard's live stream. A browser's <c>EventSource</c> cannot send the
/// <c>X-Api-Key</c> header, and a key in a URL would end up in logs and history; so the page trades its key, over an
/// ordinary authenticated request, for a token that names the key and its customer, is signed and encrypted with
/// ASP.NET Core's data protection (keys in the data directory), and opens a stream only within <see cref="Lifetime"/>.
/// </summary>
public sealed class StreamTokens(IDataProtectionProvider protection, TimeProvider clock)
{
    /// <summary>How long a token can open a stream.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(60);

    private readonly ITimeLimitedDataProtector _protector =
        protection.CreateProtector("Vigil.Dashboard.StreamToken.v1").ToTimeLimitedDataProtector();

    public (string Token, DateTimeOffset ExpiresAt) Issue(Caller caller)
    {
        var expires = clock.GetUtcNow() + Lifetime;
        return (_protector.Protect($"{caller.Id}\n{caller.Role}\n{caller.CustomerId}", expires), expires);
    }

    /// <summary>The caller a token was issued to, or null when it is forged, altered or expired.</summary>
    public Caller? Read(string token)
    {
        try
        {
            var parts = _protector.Unprotect(token, out var expires).Split('\n');
            if (parts.Length != 3 || expires < clock.GetUtcNow())
            {
                return null;
            }

            return new Caller(parts[0], parts[1], parts[2].Length == 0 ? null : parts[2]);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}

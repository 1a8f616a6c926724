using System.ComponentModel.DataAnnotations;

namespace Vigil.Security.Jwt;

/// <summary>
/// Bearer tokens for people (section "Vigil:Jwt", flags <c>--jwt-*</c>): where the signing keys come from, and the
/// issuer and audience a token must name. Bearer tokens are accepted only when a key source is configured.
/// </summary>
public sealed class JwtOptions
{
    public const string Section = "Vigil:Jwt";

    /// <summary>A JSON Web Key Set file (RFC 7517) holding the identity provider's public keys (--jwt-jwks-file).</summary>
    public string? JwksFile { get; set; }

    /// <summary>The identity provider's JWKS address (--jwt-jwks-url), fetched over HTTP(S) and cached.</summary>
    public string? JwksUrl { get; set; }

    /// <summary>The <c>iss</c> every token must carry (--jwt-issuer); required with a key source.</summary>
    public string? Issuer { get; set; }

    /// <summary>The <c>aud</c> every token must include (--jwt-audience); required with a key source.</summary>
    public string? Audience { get; set; }

    /// <summary>How far <c>exp</c> and <c>nbf</c> may be off from this machine's clock.</summary>
    [Range(0, 600)]
    public int ClockSkewSeconds { get; set; } = 60;

    /// <summary>How long fetched keys are used before the key set is read again.</summary>
    [Range(1, 86_400)]
    public int KeyLifetimeSeconds { get; set; } = 3600;

    /// <summary>A token naming a <c>kid</c> the cached keys lack reloads the key set at most once per this interval.</summary>
    [Range(0, 3600)]
    public int UnknownKeyRefreshSeconds { get; set; } = 30;

    /// <summary>Whether bearer tokens are accepted at all.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(JwksFile) || !string.IsNullOrWhiteSpace(JwksUrl);

    /// <summary>Why these settings cannot work, or null when they can.</summary>
    public string? Problem() => (Enabled, JwksFile, JwksUrl) switch
    {
        (false, _, _) => null,
        (_, { Length: > 0 }, { Length: > 0 }) => "--jwt-jwks-file and --jwt-jwks-url are exclusive: name one key source",
        _ when string.IsNullOrWhiteSpace(Issuer) => "bearer tokens need --jwt-issuer (Vigil:Jwt:Issuer)",
        _ when string.IsNullOrWhiteSpace(Audience) => "bearer tokens need --jwt-audience (Vigil:Jwt:Audience)",
        (_, _, { Length: > 0 } url) when !Uri.TryCreate(url, UriKind.Absolute, out var u) || u.Scheme is not ("https" or "http") =>
            $"--jwt-jwks-url must be an http(s) address, not '{url}'",
        _ => null,
    };
}

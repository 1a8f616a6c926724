using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace Vigil.Security.Jwt;

/// <summary>
/// Checks a compact JWS (RFC 7515) carrying JWT claims (RFC 7519): the header's <c>alg</c> is RS256 or ES256 and fits
/// the key it names, the signature verifies, <c>iss</c> and <c>aud</c> are the configured ones, <c>exp</c> is present
/// and not past, <c>nbf</c> (when present) is not ahead, both within the clock skew. Answers the claims, or why not.
/// </summary>
public sealed class JwtValidator(IOptions<JwtOptions> options, JwtKeys keys, TimeProvider clock)
{
    private readonly JwtOptions _options = options.Value;

    /// <summary>A verified token's claims, or the reason it was refused (said to the caller, so nothing secret).</summary>
    public sealed record Result(JsonElement Claims, string? Error)
    {
        public bool Valid => Error is null;

        /// <summary>The last moment Vigil accepts the token: its expiry plus the clock skew allowed.</summary>
        public DateTimeOffset AcceptedUntil { get; init; }

        public static Result Refused(string error) => new(default, error);
    }

    public async Task<Result> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        var parts = token.Split('.');
        if (parts.Length != 3 || !Base64Url.TryDecode(parts[0], out var headerBytes)
            || !Base64Url.TryDecode(parts[1], out var payloadBytes) || !Base64Url.TryDecode(parts[2], out var signature))
        {
            return Result.Refused("The token is not a signed JWT (three base64url parts).");
        }

        if (ReadObject(headerBytes) is not { } header || ReadObject(payloadBytes) is not { } claims)
        {
            return Result.Refused("The token's header or claims are not a JSON object.");
        }

        var alg = Text(header, "alg");
        if (!JwtAlgorithms.IsAccepted(alg))
        {
            return Result.Refused($"The token's algorithm '{alg}' is not accepted: only RS256 and ES256 are.");
        }

        if (header.TryGetProperty("crit", out _))
        {
            // RFC 7515 section 4.1.11: extensions Vigil does not know must make the token invalid.
            return Result.Refused("The token's header names critical extensions Vigil does not support.");
        }

        var kid = Text(header, "kid");
        var set = await keys.GetAsync(kid, cancellationToken);
        var candidates = set.For(alg!, kid).ToList();
        if (candidates.Count == 0 || (kid is null && candidates.Count > 1))
        {
            return Result.Refused(kid is null
                ? "The token names no key id (kid) and no single key fits its algorithm."
                : $"No {alg} key with id '{kid}' is known.");
        }

        var signingInput = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        if (!candidates.Any(k => Verifies(k, signingInput, signature)))
        {
            return Result.Refused("The token's signature does not verify.");
        }

        return CheckClaims(claims) is { } error
            ? Result.Refused(error)
            : new Result(claims, null) { AcceptedUntil = DateTimeOffset.FromUnixTimeMilliseconds((long)((NumericDate(claims, "exp")!.Value + _options.ClockSkewSeconds) * 1000)) };
    }

    private static bool Verifies(JsonWebKeySet.Key key, byte[] signingInput, byte[] signature) => key.Value switch
    {
        RSA rsa => rsa.VerifyData(signingInput, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1),
        // JWS carries ECDSA signatures as R || S, 32 bytes each for P-256 (RFC 7518 section 3.4): .NET's default format.
        ECDsa ec => signature.Length == 64 && ec.VerifyData(signingInput, signature, HashAlgorithmName.SHA256),
        _ => false,
    };

    private string? CheckClaims(JsonElement claims)
    {
        if (Text(claims, "iss") != _options.Issuer)
        {
            return "The token's issuer (iss) is not the one Vigil trusts.";
        }

        if (!Audiences(claims).Contains(_options.Audience))
        {
            return "The token is not meant for Vigil: its audience (aud) does not include Vigil's.";
        }

        var now = clock.GetUtcNow().ToUnixTimeSeconds();
        var skew = _options.ClockSkewSeconds;
        if (NumericDate(claims, "exp") is not { } exp)
        {
            return "The token has no expiry (exp).";
        }

        if (now - skew >= exp)
        {
            return "The token has expired.";
        }

        if (claims.TryGetProperty("nbf", out _))
        {
            if (NumericDate(claims, "nbf") is not { } nbf)
            {
                return "The token's not-before time (nbf) is not a number.";
            }

            if (now + skew < nbf)
            {
                return "The token is not valid yet (nbf).";
            }
        }

        return null;
    }

    private static IEnumerable<string?> Audiences(JsonElement claims) =>
        !claims.TryGetProperty("aud", out var aud) ? []
        : aud.ValueKind == JsonValueKind.String ? [aud.GetString()]
        : aud.ValueKind == JsonValueKind.Array ? aud.EnumerateArray().Where(a => a.ValueKind == JsonValueKind.String).Select(a => a.GetString())
        : [];

    /// <summary>RFC 7519 section 2: seconds since the epoch, possibly with a fraction.</summary>
    private static double? NumericDate(JsonElement claims, string name) =>
        claims.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds)
            ? seconds : null;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static JsonElement? ReadObject(byte[] utf8)
    {
        try
        {
            using var document = JsonDocument.Parse(utf8);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

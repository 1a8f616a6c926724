using System.Security.Cryptography;
using System.Text.Json;

namespace Vigil.Security.Jwt;

/// <summary>
/// The verification keys of a JSON Web Key Set (RFC 7517): RSA keys for RS256 and P-256 keys for ES256 (RFC 7518
/// section 6). Keys of any other type or curve, private keys' extra members and keys not meant for signatures are
/// left out; a key set holds public keys only.
/// </summary>
public sealed class JsonWebKeySet
{
    /// <summary>One usable key: its id (may be empty), the algorithm it verifies, and the key itself.</summary>
    public sealed record Key(string Id, string Algorithm, AsymmetricAlgorithm Value);

    private JsonWebKeySet(IReadOnlyList<Key> keys) => Keys = keys;

    public static JsonWebKeySet Empty { get; } = new([]);

    public IReadOnlyList<Key> Keys { get; }

    /// <summary>The keys that can verify <paramref name="algorithm"/> under <paramref name="kid"/> (any id when null).</summary>
    public IEnumerable<Key> For(string algorithm, string? kid) =>
        Keys.Where(k => k.Algorithm == algorithm && (kid is null || k.Id == kid));

    public bool Has(string kid) => Keys.Any(k => k.Id == kid);

    /// <summary>Reads a key set; throws <see cref="FormatException"/> when it is not one.</summary>
    public static JsonWebKeySet Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        if (document.RootElement.ValueKind != JsonValueKind.Object
            || !document.RootElement.TryGetProperty("keys", out var keys) || keys.ValueKind != JsonValueKind.Array)
        {
            throw new FormatException("a JSON Web Key Set is an object with a \"keys\" array");
        }

        var parsed = new List<Key>();
        foreach (var jwk in keys.EnumerateArray())
        {
            if (jwk.ValueKind == JsonValueKind.Object && Read(jwk) is { } key)
            {
                parsed.Add(key);
            }
        }

        return new JsonWebKeySet(parsed);
    }

    private static Key? Read(JsonElement jwk)
    {
        var use = Text(jwk, "use");
        if (use is not null && use != "sig")
        {
            return null;
        }

        var kid = Text(jwk, "kid") ?? "";
        var alg = Text(jwk, "alg");
        try
        {
            switch (Text(jwk, "kty"))
            {
                case "RSA" when alg is null or JwtAlgorithms.RS256:
                    var modulus = Bytes(jwk, "n");
                    // RFC 7518 section 3.3: RS256 keys are 2048 bits or larger.
                    if (modulus is null || Bytes(jwk, "e") is not { } exponent || modulus.SkipWhile(b => b == 0).Count() < 256)
                    {
                        return null;
                    }

                    return new Key(kid, JwtAlgorithms.RS256, RSA.Create(new RSAParameters { Modulus = modulus, Exponent = exponent }));
                case "EC" when alg is null or JwtAlgorithms.ES256:
                    if (Text(jwk, "crv") != "P-256" || Bytes(jwk, "x") is not { Length: 32 } x || Bytes(jwk, "y") is not { Length: 32 } y)
                    {
                        return null;
                    }

                    return new Key(kid, JwtAlgorithms.ES256,
                        ECDsa.Create(new ECParameters { Curve = ECCurve.NamedCurves.nistP256, Q = new ECPoint { X = x, Y = y } }));
                default:
                    return null;
            }
        }
        catch (CryptographicException)
        {
            // A point not on the curve, a malformed modulus: not a key anyone can sign with.
            return null;
        }
    }

    private static string? Text(JsonElement jwk, string name) =>
        jwk.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static byte[]? Bytes(JsonElement jwk, string name) =>
        Text(jwk, name) is { } text && Base64Url.TryDecode(text, out var bytes) ? bytes : null;
}

using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Vigil.Security.Jwt;

namespace Vigil.Tests.Security;

/// <summary>Which keys of a JWKS Vigil will verify with: RSA of 2048 bits or more for RS256, P-256 for ES256, signature keys only.</summary>
public sealed class JsonWebKeySetTests
{
    private static JsonObject With(TokenIssuer.SigningKey key, string member, string? value)
    {
        var jwk = (JsonObject)key.Jwk.DeepClone();
        if (value is null)
        {
            jwk.Remove(member);
        }
        else
        {
            jwk[member] = value;
        }

        return jwk;
    }

    private static JsonWebKeySet Parse(params JsonObject[] keys) =>
        JsonWebKeySet.Parse(new JsonObject { ["keys"] = new JsonArray(keys.Select(k => (JsonNode)k).ToArray()) }.ToJsonString());

    [Fact]
    public void Rsa_and_p256_signature_keys_are_kept_with_the_algorithm_they_verify()
    {
        var set = Parse(TokenIssuer.NewRsa("r").Jwk, TokenIssuer.NewEc("e").Jwk, With(TokenIssuer.NewRsa("no-alg"), "alg", null));

        set.Keys.Select(k => (k.Id, k.Algorithm)).ShouldBe([("r", "RS256"), ("e", "ES256"), ("no-alg", "RS256")]);
        set.For("RS256", "e").ShouldBeEmpty();
        set.For("ES256", "e").ShouldHaveSingleItem();
    }

    [Fact]
    public void Small_rsa_keys_other_curves_encryption_keys_symmetric_keys_and_mismatched_algorithms_are_left_out()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var q = p384.ExportParameters(false).Q;
        var p384Jwk = new JsonObject
        {
            ["kty"] = "EC", ["kid"] = "p384", ["crv"] = "P-384",
            ["x"] = Convert.ToBase64String(q.X!).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
            ["y"] = Convert.ToBase64String(q.Y!).TrimEnd('=').Replace('+', '-').Replace('/', '_'),
        };

        var set = Parse(
            TokenIssuer.NewRsa("small", bits: 1024).Jwk,
            p384Jwk,
            With(TokenIssuer.NewRsa("enc"), "use", "enc"),
            new JsonObject { ["kty"] = "oct", ["kid"] = "hmac", ["k"] = "c2VjcmV0" },
            With(TokenIssuer.NewRsa("claims-hs"), "alg", "HS256"),
            With(TokenIssuer.NewEc("claims-rs"), "alg", "RS256"),
            With(TokenIssuer.NewEc("bad-point"), "x", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));

        set.Keys.ShouldBeEmpty();
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{}")]
    [InlineData("{\"keys\": {}}")]
    public void Something_that_is_not_a_key_set_is_refused(string json) => Should.Throw<FormatException>(() => JsonWebKeySet.Parse(json));
}

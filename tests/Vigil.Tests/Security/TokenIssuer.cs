using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vigil.Tests.Security;

/// <summary>
/// An identity provider for the tests: RSA and P-256 key pairs made by .NET, their public halves written as a JWKS,
/// and tokens minted by PyJWT (<c>mint_jwt.py</c> on Debian's python3-jwt), an implementation independent of Vigil's.
/// </summary>
public sealed class TokenIssuer : IDisposable
{
    public const string Issuer = "https://id.vigil.test/";
    public const string Audience = "vigil-api";
    private const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> PyJwtInstalled = new(() =>
    {
        if (!File.Exists(Python))
        {
            return false;
        }

        using var check = Process.Start(new ProcessStartInfo(Python, ["-c", "import jwt, cryptography"]) { RedirectStandardError = true })!;
        check.WaitForExit();
        return check.ExitCode == 0;
    });

    /// <summary>A signing key: its id, algorithm, the PEM private key PyJWT signs with, and the public JWK Vigil verifies with.</summary>
    public sealed record SigningKey(string Kid, string Alg, string PrivatePem, JsonObject Jwk);

    /// <summary>What one token is made of; <see cref="Key"/> is a PEM private key, or the HMAC secret of a forged HS256 token.</summary>
    public sealed record Request(string Alg, string Key, string? Kid, IReadOnlyDictionary<string, object?> Claims);

    public TokenIssuer()
    {
        Directory.CreateDirectory(Folder);
        Rsa = NewRsa("rsa-1");
        Ec = NewEc("ec-1");
        WriteJwks(Rsa, Ec);
    }

    public string Folder { get; } = Path.Combine(Path.GetTempPath(), "vigil-jwks-" + Guid.NewGuid().ToString("N"));

    public string JwksFile => Path.Combine(Folder, "jwks.json");

    public SigningKey Rsa { get; }

    public SigningKey Ec { get; }

    /// <summary>The settings <c>--jwt-jwks-file</c>, <c>--jwt-issuer</c> and <c>--jwt-audience</c> give.</summary>
    public IReadOnlyDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Vigil:Jwt:JwksFile"] = JwksFile,
        ["Vigil:Jwt:Issuer"] = Issuer,
        ["Vigil:Jwt:Audience"] = Audience,
    };

    public void WriteJwks(params SigningKey[] keys) => File.WriteAllText(JwksFile, Jwks(keys));

    public static string Jwks(params SigningKey[] keys) =>
        new JsonObject { ["keys"] = new JsonArray(keys.Select(k => (JsonNode)k.Jwk.DeepClone()).ToArray()) }.ToJsonString();

    public static SigningKey NewRsa(string kid, int bits = 2048)
    {
        using var rsa = RSA.Create(bits);
        var p = rsa.ExportParameters(false);
        return new SigningKey(kid, "RS256", rsa.ExportPkcs8PrivateKeyPem(), new JsonObject
        {
            ["kty"] = "RSA", ["kid"] = kid, ["use"] = "sig", ["alg"] = "RS256", ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!),
        });
    }

    public static SigningKey NewEc(string kid)
    {
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var p = ec.ExportParameters(false);
        return new SigningKey(kid, "ES256", ec.ExportPkcs8PrivateKeyPem(), new JsonObject
        {
            ["kty"] = "EC", ["kid"] = kid, ["use"] = "sig", ["crv"] = "P-256", ["x"] = B64(p.Q.X!), ["y"] = B64(p.Q.Y!),
        });
    }

    /// <summary>
    /// Claims of a person of <paramref name="customer"/> (none when null) holding <paramref name="roles"/> (a JSON array,
    /// or a string when one role is given as text), valid from <paramref name="nbf"/> to <paramref name="exp"/> seconds from now.
    /// </summary>
    public static Dictionary<string, object?> Claims(
        object? roles, string? customer, string subject = "person-1", long exp = 600, long? nbf = null, string issuer = Issuer, object? audience = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new Dictionary<string, object?>
        {
            ["iss"] = issuer, ["aud"] = audience ?? Audience, ["sub"] = subject, ["iat"] = now, ["exp"] = now + exp,
        };
        if (nbf is { } notBefore)
        {
            claims["nbf"] = now + notBefore;
        }

        if (roles is not null)
        {
            claims["roles"] = roles;
        }

        if (customer is not null)
        {
            claims["vigil_customer"] = customer;
        }

        return claims;
    }

    public static Request Signed(SigningKey key, IReadOnlyDictionary<string, object?> claims, string? kid = null) =>
        new(key.Alg, key.PrivatePem, kid ?? key.Kid, claims);

    /// <summary>A token for a person of <paramref name="customer"/> with one role, signed by the RSA or the EC key.</summary>
    public async Task<string> TokenAsync(string role, string? customer, bool ec = false) =>
        (await MintAsync([Signed(ec ? Ec : Rsa, Claims(new[] { role }, customer, subject: $"{customer}-{role}"))]))[0];

    /// <summary>Mints every token in one run of PyJWT.</summary>
    public static async Task<IReadOnlyList<string>> MintAsync(IReadOnlyList<Request> requests)
    {
        Require();
        var info = new ProcessStartInfo(Python) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "mint_jwt.py"));
        using var process = Process.Start(info)!;
        var input = requests.Select(r => new { alg = r.Alg, key = r.Key, kid = r.Kid, claims = r.Claims });
        await process.StandardInput.WriteAsync(JsonSerializer.Serialize(input));
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        process.ExitCode.ShouldBe(0, await errors);
        return JsonSerializer.Deserialize<List<string>>(await output)!;
    }

    /// <summary>Fails under CI=true, where ./test.sh installs PyJWT; elsewhere skips with how to get it.</summary>
    public static void Require()
    {
        if (PyJwtInstalled.Value)
        {
            return;
        }

        const string message = "Debian's python3-jwt and python3-cryptography are not installed: run scripts/test-deps/tools.sh (./test.sh does) "
                               + "or apt-get install python3-jwt python3-cryptography";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the rest of the temp directory.
        }
    }
}

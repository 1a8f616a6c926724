using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using Vigil.Tests.Dashboard;
using Vigil.Tests.Infrastructure;
using static Vigil.Tests.Security.TokenIssuer;

namespace Vigil.Tests.Security;

/// <summary>
/// People's bearer tokens, minted by PyJWT and checked by Vigil against a JWKS file: valid tokens of each role and
/// algorithm, and every way a token must be refused (401 with a Bearer challenge, problem+json, nothing stored).
/// </summary>
public sealed class BearerTokenTests(BearerServerFixture fixture) : IClassFixture<BearerServerFixture>
{
    private VigilServer Server => fixture.Server;

    private TokenIssuer Tokens => fixture.Tokens;

    private HttpClient Bearer(string token)
    {
        var client = Server.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    [Theory]
    [InlineData("admin", false)]
    [InlineData("admin", true)]
    [InlineData("clinician", false)]
    [InlineData("clinician", true)]
    [InlineData("viewer", false)]
    [InlineData("viewer", true)]
    public async Task A_valid_RS256_or_ES256_token_signs_a_person_in_with_its_role_and_customer(string role, bool ec)
    {
        var customer = $"jwt-ok-{role}-{(ec ? "ec" : "rsa")}";
        await Server.CreateCustomerAsync(customer);
        using var client = Bearer(await Tokens.TokenAsync(role, customer, ec));

        var session = await (await client.Get("/api/v1/dashboard/session")).ShouldBeAsync(HttpStatusCode.OK);

        session.GetProperty("role").GetString().ShouldBe(role);
        session.GetProperty("customerId").GetString().ShouldBe(customer);
        session.GetProperty("keyId").GetString().ShouldBe($"user:{customer}-{role}");
        (await client.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var create = await client.PostJsonAsync("/api/v1/patients", new { id = "p1", name = "Pat" });
        create.StatusCode.ShouldBe(role == "admin" ? HttpStatusCode.Created : HttpStatusCode.Forbidden);
        fixture.Database.Count("patients", customer).ShouldBe(role == "admin" ? 1 : 0);
    }

    [Fact]
    public async Task The_roles_claim_may_be_a_string_and_the_strongest_known_role_counts()
    {
        await Server.CreateCustomerAsync("jwt-roles");
        var tokens = await MintAsync(
        [
            Signed(Tokens.Rsa, Claims("clinician", "jwt-roles")),
            Signed(Tokens.Rsa, Claims(new[] { "viewer", "auditor", "admin" }, "jwt-roles")),
            Signed(Tokens.Ec, Claims("nurse viewer", "jwt-roles")),
        ]);

        string[] expected = ["clinician", "admin", "viewer"];
        for (var i = 0; i < tokens.Count; i++)
        {
            using var client = Bearer(tokens[i]);
            var session = await (await client.Get("/api/v1/dashboard/session")).ShouldBeAsync(HttpStatusCode.OK);
            session.GetProperty("role").GetString().ShouldBe(expected[i]);
        }
    }

    /// <summary>Tokens that must not sign anyone in, each minted by PyJWT (or forged by hand where PyJWT refuses, as an attacker would).</summary>
    public static TheoryData<string, string> RefusedTokens => new()
    {
        { "expired", "expired" },
        { "not yet valid", "not valid yet" },
        { "wrong signature", "signature does not verify" },
        { "alg none", "algorithm 'none'" },
        { "HS256 with the public key as secret", "algorithm 'HS256'" },
        { "wrong audience", "audience" },
        { "wrong issuer", "issuer" },
        { "unknown kid", "No ES256 key with id 'ec-unknown'" },
        { "ES256 under the RSA key's kid", "No ES256 key with id 'rsa-1'" },
        { "no expiry", "no expiry" },
        { "no subject", "no subject" },
        { "altered claims", "signature does not verify" },
        { "garbage", "not a signed JWT" },
    };

    private async Task<string> RefusedTokenAsync(string name, string customer)
    {
        var claims = Claims(new[] { "admin" }, customer);
        var other = NewRsa(Tokens.Rsa.Kid);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(Tokens.Rsa.PrivatePem);
        var publicPem = rsa.ExportSubjectPublicKeyInfoPem();
        var request = name switch
        {
            "expired" => Signed(Tokens.Rsa, Claims(new[] { "admin" }, customer, exp: -300)),
            "not yet valid" => Signed(Tokens.Ec, Claims(new[] { "admin" }, customer, nbf: 300)),
            "wrong signature" => Signed(other, claims),
            "alg none" => new Request("none", "", Tokens.Rsa.Kid, claims),
            "HS256 with the public key as secret" => new Request("HS256", publicPem, Tokens.Rsa.Kid, claims),
            "wrong audience" => Signed(Tokens.Rsa, Claims(new[] { "admin" }, customer, audience: new[] { "another-api" })),
            "wrong issuer" => Signed(Tokens.Rsa, Claims(new[] { "admin" }, customer, issuer: "https://evil.test/")),
            "unknown kid" => Signed(NewEc("ec-unknown"), claims),
            "ES256 under the RSA key's kid" => Signed(Tokens.Ec, claims, kid: Tokens.Rsa.Kid),
            "no expiry" => Signed(Tokens.Rsa, claims.Where(c => c.Key != "exp").ToDictionary()),
            "no subject" => Signed(Tokens.Rsa, claims.Where(c => c.Key != "sub").ToDictionary()),
            _ => Signed(Tokens.Rsa, Claims(new[] { "viewer" }, customer)),
        };
        var token = (await MintAsync([request]))[0];
        return name switch
        {
            // A viewer's token with its claims swapped for an admin's: the signature no longer covers them.
            "altered claims" => string.Join('.', token.Split('.')[0], (await MintAsync([Signed(Tokens.Rsa, claims)]))[0].Split('.')[1], token.Split('.')[2]),
            "garbage" => "not.a.jwt",
            _ => token,
        };
    }

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task A_bad_token_is_refused_with_401_a_bearer_challenge_and_problem_json_and_nothing_is_stored(string name, string reason)
    {
        var customer = "jwt-bad-" + name.Replace(' ', '-').Replace("'", "", StringComparison.Ordinal).ToLowerInvariant();
        await Server.CreateCustomerAsync(customer);
        using var client = Bearer(await RefusedTokenAsync(name, customer));

        var response = await client.PostJsonAsync("/api/v1/patients", new { id = "p1", name = "Pat" });

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        problem.GetProperty("detail").GetString()!.ShouldContain(reason);
        var challenge = response.Headers.WwwAuthenticate.ShouldHaveSingleItem();
        challenge.Scheme.ShouldBe("Bearer");
        challenge.Parameter!.ShouldContain("error=\"invalid_token\"");
        fixture.Database.Count("patients", customer).ShouldBe(0);
        (await client.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Expiry_and_not_before_are_checked_with_the_clock_skew_of_60_seconds()
    {
        await Server.CreateCustomerAsync("jwt-skew");
        var tokens = await MintAsync(
        [
            Signed(Tokens.Rsa, Claims(new[] { "viewer" }, "jwt-skew", exp: -30)),
            Signed(Tokens.Ec, Claims(new[] { "viewer" }, "jwt-skew", nbf: 30)),
            Signed(Tokens.Rsa, Claims(new[] { "viewer" }, "jwt-skew", exp: -90)),
            Signed(Tokens.Ec, Claims(new[] { "viewer" }, "jwt-skew", nbf: 90)),
        ]);

        HttpStatusCode[] expected = [HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized];
        for (var i = 0; i < tokens.Count; i++)
        {
            using var client = Bearer(tokens[i]);
            (await client.Get("/api/v1/patients")).StatusCode.ShouldBe(expected[i], $"token {i}");
        }
    }

    [Fact]
    public async Task A_valid_token_without_a_known_role_or_a_non_admin_without_a_customer_is_refused_with_403_everywhere()
    {
        await Server.CreateCustomerAsync("jwt-norole");
        var tokens = await MintAsync(
        [
            Signed(Tokens.Rsa, Claims(new[] { "nurse", "device" }, "jwt-norole")),
            Signed(Tokens.Rsa, Claims(null, "jwt-norole")),
            Signed(Tokens.Ec, Claims(new[] { "clinician" }, null)),
        ]);

        foreach (var token in tokens)
        {
            using var client = Bearer(token);
            foreach (var path in new[] { "/api/v1/patients", "/api/v1/customers", "/openapi/v1.json", "/api/v1/dashboard/session" })
            {
                await (await client.Get(path)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
            }
        }
    }

    [Fact]
    public async Task An_admin_token_of_no_customer_is_a_system_administrator()
    {
        using var client = Bearer((await MintAsync([Signed(Tokens.Ec, Claims(new[] { "admin" }, null))]))[0]);

        (await client.PostJsonAsync("/api/v1/customers", new { id = "jwt-made", name = "Made by a token" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await client.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_request_with_both_a_token_and_an_api_key_is_refused_with_401()
    {
        var key = await Server.CreateCustomerAsync("jwt-both");
        using var client = Bearer(await Tokens.TokenAsync("admin", "jwt-both"));
        client.DefaultRequestHeaders.Add("X-Api-Key", key);

        await (await client.Get("/api/v1/patients")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Without_credentials_the_challenge_names_both_the_api_key_and_the_bearer_scheme()
    {
        using var anonymous = Server.Client();

        var response = await anonymous.Get("/api/v1/patients");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        response.Headers.WwwAuthenticate.Select(h => h.Scheme).ShouldBe(["ApiKey", "Bearer"], ignoreOrder: true);
    }

    [Fact]
    public async Task Api_keys_keep_working_beside_bearer_tokens()
    {
        var key = await Server.CreateCustomerAsync("jwt-keys", "device");
        using var device = Server.Client(key);

        (await device.PostJsonAsync("/api/v1/readings", new { patientId = "p", type = "heart_rate", value = 70, observedAt = "2026-01-01T00:00:00Z" }))
            .StatusCode.ShouldNotBe(HttpStatusCode.Unauthorized);
        (await device.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_person_signed_in_with_a_token_opens_the_dashboards_live_stream()
    {
        await Server.CreateCustomerAsync("jwt-stream");
        using var client = Bearer(await Tokens.TokenAsync("clinician", "jwt-stream", ec: true));
        var issued = await (await client.PostAsync("/api/v1/dashboard/stream-tokens", null, Http.Ct)).ShouldBeAsync(HttpStatusCode.OK);
        using var anonymous = Server.Client();

        await using var stream = await SseStream.OpenAsync(anonymous,
            $"/api/v1/dashboard/stream?access_token={Uri.EscapeDataString(issued.GetProperty("token").GetString()!)}", Http.Ct);

        stream.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await stream.NextAsync(Http.Ct)).Name.ShouldBe("hello");
    }

    [Fact]
    public async Task A_tokens_live_stream_ends_when_the_token_stops_being_accepted()
    {
        await Server.CreateCustomerAsync("jwt-stream-end");
        // Expired 55 s ago: accepted for about 5 s more, within the clock skew of 60 s.
        var token = (await MintAsync([Signed(Tokens.Rsa, Claims(new[] { "viewer" }, "jwt-stream-end", exp: -55))]))[0];
        using var client = Bearer(token);
        var issued = await (await client.PostAsync("/api/v1/dashboard/stream-tokens", null, Http.Ct)).ShouldBeAsync(HttpStatusCode.OK);
        // The stream token lasts no longer than the bearer token (a minute otherwise).
        issued.GetProperty("expiresAt").GetDateTimeOffset().ShouldBeLessThanOrEqualTo(DateTimeOffset.UtcNow.AddSeconds(6));
        using var anonymous = Server.Client();
        await using var stream = await SseStream.OpenAsync(anonymous,
            $"/api/v1/dashboard/stream?access_token={Uri.EscapeDataString(issued.GetProperty("token").GetString()!)}", Http.Ct);
        stream.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await stream.NextAsync(Http.Ct)).Name.ShouldBe("hello");

        // The server ends the stream when the token stops being accepted, not after the 15 minutes a stream may last.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        await Should.ThrowAsync<EndOfStreamException>(async () =>
        {
            while (true)
            {
                await stream.NextAsync(deadline.Token);
            }
        });

        // And the expired token gets no new stream token.
        await WaitUntilRefusedAsync(client);
    }

    /// <summary>The token's last accepted moment is about now; the next calls are refused with 401 once it has passed.</summary>
    private static async Task WaitUntilRefusedAsync(HttpClient client)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while ((await client.PostAsync("/api/v1/dashboard/stream-tokens", null, deadline.Token)).StatusCode != HttpStatusCode.Unauthorized)
        {
            await Task.Yield();
        }
    }
}

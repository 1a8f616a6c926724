using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Tests.Infrastructure;
using static Vigil.Tests.Security.TokenIssuer;

namespace Vigil.Tests.Security;

/// <summary>
/// Keys fetched from a JWKS address served by a real HTTP server: cached, fetched again when a token names a key id
/// the cache lacks (the provider rotated its keys), but at most once per refresh interval (30 s) however many such
/// tokens arrive. Vigil's clock is shifted to reach "later" at once; tokens are valid for an hour either way.
/// </summary>
public sealed class JwksUrlTests
{
    private static HttpClient Bearer(VigilServer server, string token)
    {
        var client = server.Client();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<HttpStatusCode> StatusAsync(VigilServer server, string token)
    {
        using var client = Bearer(server, token);
        return (await client.Get("/api/v1/patients")).StatusCode;
    }

    [Fact]
    public async Task Keys_come_from_the_jwks_address_and_a_rotation_is_picked_up_at_most_once_per_interval()
    {
        var first = NewRsa("2026-a");
        var second = NewEc("2026-b");
        await using var provider = await JwksServer.StartAsync(Jwks(first));
        var clock = new ShiftedClock();
        await using var server = await VigilServer.StartAsync(
            configure: b => b.Services.AddSingleton<TimeProvider>(clock),
            settings: new Dictionary<string, string?>
            {
                ["Vigil:Jwt:JwksUrl"] = provider.Url,
                ["Vigil:Jwt:Issuer"] = Issuer,
                ["Vigil:Jwt:Audience"] = Audience,
            });
        await server.CreateCustomerAsync("jwks-url");
        var claims = Claims(new[] { "viewer" }, "jwks-url", exp: 3600);
        var tokens = await MintAsync([Signed(first, claims), Signed(second, claims), Signed(NewRsa("forged"), claims)]);
        var (byFirst, bySecond, byUnknown) = (tokens[0], tokens[1], tokens[2]);

        (await StatusAsync(server, byFirst)).ShouldBe(HttpStatusCode.OK);
        (await StatusAsync(server, byFirst)).ShouldBe(HttpStatusCode.OK);
        provider.Fetches.ShouldBe(1, "keys are cached");

        provider.Serve(Jwks(second));
        (await StatusAsync(server, bySecond)).ShouldBe(HttpStatusCode.Unauthorized, "fetched under a second ago: not again yet");
        provider.Fetches.ShouldBe(1);

        clock.Advance(TimeSpan.FromSeconds(31));
        (await StatusAsync(server, bySecond)).ShouldBe(HttpStatusCode.OK, "an unknown kid after the interval fetches the rotated set");
        provider.Fetches.ShouldBe(2);
        (await StatusAsync(server, byFirst)).ShouldBe(HttpStatusCode.Unauthorized, "the retired key is gone");
        for (var i = 0; i < 5; i++)
        {
            (await StatusAsync(server, byUnknown)).ShouldBe(HttpStatusCode.Unauthorized);
        }

        provider.Fetches.ShouldBe(2, "unknown key ids cannot make Vigil hammer the provider");
        clock.Advance(TimeSpan.FromSeconds(31));
        (await StatusAsync(server, byUnknown)).ShouldBe(HttpStatusCode.Unauthorized);
        provider.Fetches.ShouldBe(3, "one fetch per interval");
    }

    [Fact]
    public async Task An_unreachable_jwks_address_refuses_tokens_with_401_and_keeps_serving_api_keys()
    {
        // A port nothing listens on: bind one, note it, let it go.
        var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var server = await VigilServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Vigil:Jwt:JwksUrl"] = $"http://127.0.0.1:{port}/jwks.json",
            ["Vigil:Jwt:Issuer"] = Issuer,
            ["Vigil:Jwt:Audience"] = Audience,
        });
        var key = await server.CreateCustomerAsync("jwks-down");
        var token = (await MintAsync([Signed(NewRsa("k"), Claims(new[] { "admin" }, "jwks-down"))]))[0];

        using var client = Bearer(server, token);
        var response = await client.Get("/api/v1/patients");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var byKey = server.Client(key);
        (await byKey.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Theory]
    [InlineData("Vigil:Jwt:Issuer", "--jwt-issuer")]
    [InlineData("Vigil:Jwt:Audience", "--jwt-audience")]
    public async Task A_key_source_without_issuer_or_audience_stops_the_start(string missing, string flag)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Vigil:Jwt:JwksUrl"] = "http://127.0.0.1:9/jwks.json",
            ["Vigil:Jwt:Issuer"] = Issuer,
            ["Vigil:Jwt:Audience"] = Audience,
        };
        settings.Remove(missing);

        var error = await Should.ThrowAsync<Vigil.Hosting.StartupException>(() => VigilServer.StartAsync(settings: settings));

        error.Message.ShouldContain(flag);
    }
}

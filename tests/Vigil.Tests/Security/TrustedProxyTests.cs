using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Security;

/// <summary>A server that trusts the loopback address as its reverse proxy, as one behind a proxy on the same host would.</summary>
public sealed class TrustedProxyServerFixture : ServerFixture
{
    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Vigil:TrustedProxies"] = "127.0.0.0/8, ::1" });
}

/// <summary>
/// <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> count only from a configured proxy: the audit trail then records
/// the client's address and HSTS goes out on what the proxy served over HTTPS; from anyone else they change nothing.
/// </summary>
public sealed class TrustedProxyTests(TrustedProxyServerFixture behindProxy, ServerFixture direct)
    : IClassFixture<TrustedProxyServerFixture>, IClassFixture<ServerFixture>
{
    [Fact]
    public async Task Behind_a_trusted_proxy_the_trail_records_the_client_and_HSTS_follows_the_proxys_https()
    {
        using var tenant = await Tenant.CreateAsync(behindProxy.Server, "proxied-" + Guid.NewGuid().ToString("N")[..6]);

        // The client, then a first proxy (also trusted), as a chain of two proxies would send it.
        var response = await ReadForwardedAsync(tenant, "203.0.113.7, 127.0.0.2");

        response.Headers.TryGetValues("Strict-Transport-Security", out var hsts).ShouldBeTrue();
        hsts.ShouldHaveSingleItem().ShouldStartWith("max-age=");
        (await AddressesAsync(tenant)).ShouldBe(["203.0.113.7"]);
    }

    [Fact]
    public async Task Without_trusted_proxies_the_headers_change_nothing()
    {
        using var tenant = await Tenant.CreateAsync(direct.Server, "direct-" + Guid.NewGuid().ToString("N")[..6]);

        var response = await ReadForwardedAsync(tenant, "203.0.113.7");

        response.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
        (await AddressesAsync(tenant)).ShouldBe(["127.0.0.1"]);
    }

    /// <summary>Reads patient p's readings as forwarded by a proxy that received them over HTTPS from <paramref name="forwardedFor"/>.</summary>
    private static async Task<HttpResponseMessage> ReadForwardedAsync(Tenant tenant, string forwardedFor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/patients/p/readings");
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        request.Headers.Add("X-Forwarded-Proto", "https");
        var response = await tenant.Admin.SendAsync(request, Http.Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        return response;
    }

    /// <summary>The addresses the trail recorded for reads of patient p's readings.</summary>
    private static async Task<List<string>> AddressesAsync(Tenant tenant)
    {
        var page = await (await tenant.Admin.Get("/api/v1/audit?patientId=p&action=read")).ShouldBeAsync(HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray()
            .Where(e => e.GetProperty("route").GetString() == "/api/v1/patients/{patientId}/readings")
            .Select(e => e.GetProperty("remoteAddress").ValueKind == JsonValueKind.Null ? "" : e.GetProperty("remoteAddress").GetString()!)];
    }
}

using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Vigil.Hosting;

namespace Vigil.Security.Proxies;

/// <summary>
/// Reverse proxies Vigil believes (<c>Vigil:TrustedProxies</c>, <c>--trusted-proxies</c>: addresses and CIDR networks,
/// comma-separated). A request that comes from one of them is taken as coming from the client its
/// <c>X-Forwarded-For</c> names, and over HTTPS when its <c>X-Forwarded-Proto</c> says so: the audit trail records the
/// client's address, and a proxy that terminates TLS gets HSTS on its answers. Only the hops that are trusted proxies
/// are walked back. With none configured (the default) the headers are ignored, so no client can choose the address
/// the trail records.
/// </summary>
public static class TrustedProxies
{
    public const string Setting = "Vigil:TrustedProxies";

    public static WebApplicationBuilder AddVigilTrustedProxies(this WebApplicationBuilder builder)
    {
        var networks = Parse(builder.Configuration[Setting]);
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // ASP.NET Core trusts loopback by default; only what is configured counts.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var network in networks)
            {
                o.KnownIPNetworks.Add(network);
            }

            // A chain of trusted proxies is walked back to the first address that is not one of them.
            o.ForwardLimit = null;
        });
        return builder;
    }

    /// <summary>Outermost but for the request span, so every later part (HSTS, rate limits, the audit) sees the client.</summary>
    public static WebApplication UseVigilTrustedProxies(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value.KnownIPNetworks.Count > 0)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }

    /// <summary>The configured networks; an entry that is neither an address nor a network stops Vigil with its name.</summary>
    public static IReadOnlyList<System.Net.IPNetwork> Parse(string? setting)
    {
        var networks = new List<System.Net.IPNetwork>();
        foreach (var entry in (setting ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (System.Net.IPNetwork.TryParse(entry, out var network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                networks.Add(new System.Net.IPNetwork(address, address.GetAddressBytes().Length * 8));
            }
            else
            {
                throw new StartupException($"--trusted-proxies ({Setting}): '{entry}' is neither an IP address nor a CIDR network such as 10.0.0.0/8");
            }
        }

        return networks;
    }
}

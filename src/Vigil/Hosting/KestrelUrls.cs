using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Vigil.Hosting;

/// <summary>
/// Kestrel binds either the <c>urls</c> addresses (<c>--urls</c>) or endpoints configured in code, never both. A module
/// that adds an endpoint in code (the gRPC listener) calls <see cref="Keep"/> first, which lists every <c>urls</c>
/// address in code as well, once however many modules call it.
/// </summary>
public static class KestrelUrls
{
    private const string Kept = "Vigil.KestrelUrls.Kept";

    public static void Keep(WebApplicationBuilder builder)
    {
        if (!builder.Host.Properties.TryAdd(Kept, true))
        {
            return;
        }

        var urls = (builder.Configuration[WebHostDefaults.ServerUrlsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, "");
        builder.WebHost.ConfigureKestrel(k =>
        {
            foreach (var url in urls)
            {
                Listen(k, BindingAddress.Parse(url), _ => { });
            }
        });
    }

    /// <summary>Binds an address as Kestrel binds a <c>urls</c> entry: https gets TLS with the default certificate.</summary>
    public static void Listen(KestrelServerOptions k, BindingAddress address, Action<ListenOptions> configure)
    {
        Action<ListenOptions> withScheme = address.Scheme == "https" ? o => { o.UseHttps(); configure(o); } : configure;
        if (address.IsUnixPipe)
        {
            k.ListenUnixSocket(address.UnixPipePath, withScheme);
        }
        else if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            k.ListenLocalhost(address.Port, withScheme);
        }
        else if (IPAddress.TryParse(address.Host, out var ip))
        {
            k.Listen(ip, address.Port, withScheme);
        }
        else
        {
            // "*", "+" and host names: every interface, as Kestrel binds them from urls.
            k.ListenAnyIP(address.Port, withScheme);
        }
    }
}

using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Vigil.Tests.Security;

/// <summary>An identity provider's JWKS endpoint: a real Kestrel app on 127.0.0.1 serving whatever key set the test sets, counting fetches.</summary>
public sealed class JwksServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile string _jwks;
    private int _fetches;

    private JwksServer(string jwks)
    {
        _jwks = jwks;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/.well-known/jwks.json", () =>
        {
            Interlocked.Increment(ref _fetches);
            return Results.Text(_jwks, "application/jwk-set+json");
        });
    }

    public string Url { get; private set; } = "";

    public int Fetches => Volatile.Read(ref _fetches);

    /// <summary>The identity provider rotates its keys: from now on it serves <paramref name="jwks"/>.</summary>
    public void Serve(string jwks) => _jwks = jwks;

    public static async Task<JwksServer> StartAsync(string jwks)
    {
        var server = new JwksServer(jwks);
        await server._app.StartAsync(TestContext.Current.CancellationToken);
        var address = server._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = $"{address}/.well-known/jwks.json";
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

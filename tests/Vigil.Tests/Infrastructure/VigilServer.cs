using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Hosting;

namespace Vigil.Tests.Infrastructure;

/// <summary>
/// A real Vigil host on Kestrel at 127.0.0.1 (random port) over a fresh SQLite data directory: the same code path as
/// <c>vigil serve</c>, reached over real HTTP.
/// </summary>
public sealed class VigilServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDirectory;

    private VigilServer(WebApplication app, string dataDir, bool ownsDirectory)
    {
        _app = app;
        DataDir = dataDir;
        _ownsDirectory = ownsDirectory;
    }

    public string DataDir { get; }

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>host:port of the gRPC listener (a free port), or null when this server's roles serve no gRPC.</summary>
    public string? GrpcTarget { get; private set; }

    /// <summary>The bootstrap system admin key the server wrote to its data directory.</summary>
    public string AdminKey { get; private set; } = null!;

    public IServiceProvider Services => _app.Services;

    /// <summary>The port of the HL7 MLLP listener, when the server runs the hl7 role.</summary>
    public int Hl7Port => _app.Services.GetRequiredService<Vigil.Hl7.Hl7Listener>().Port;

    /// <summary>
    /// Starts a server and waits until <c>/health/ready</c> answers 200 (its consumers have subscribed).
    /// <paramref name="settings"/> are what <c>vigil serve</c>'s flags set, such as <c>Vigil:Roles</c>.
    /// </summary>
    public static async Task<VigilServer> StartAsync(
        string? dataDir = null, Action<WebApplicationBuilder>? configure = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var owns = dataDir is null;
        dataDir ??= Path.Combine(Path.GetTempPath(), "vigil-test-" + Guid.NewGuid().ToString("N"));
        // The HL7 and gRPC listeners take free ports too, so servers of parallel tests never collide.
        var app = VigilApp.Build(["--urls", "http://127.0.0.1:0", "--Vigil:DataDir", dataDir, "--Vigil:Hl7:Port", "0", "--Vigil:Grpc:Port", "0"], configure, settings);
        var server = new VigilServer(app, dataDir, owns);
        await VigilApp.StartAsync(app, CancellationToken.None);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address);
        server.GrpcTarget = app.Services.GetRequiredService<Vigil.Grpc.GrpcListener>().Port is { } grpcPort ? $"127.0.0.1:{grpcPort}" : null;
        server.AdminKey = (await File.ReadAllTextAsync(Path.Combine(dataDir, BootstrapAdminKey.FileName))).Trim();
        await server.WaitUntilReadyAsync();
        return server;
    }

    private async Task WaitUntilReadyAsync()
    {
        using var client = Client();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var response = await client.GetAsync("/health/ready", deadline.Token);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(10, deadline.Token);
        }
    }

    /// <summary>An HTTP client for this server sending <paramref name="apiKey"/> (none when null).</summary>
    public HttpClient Client(string? apiKey = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }

        return client;
    }

    /// <summary>Creates a customer and a key of <paramref name="role"/> for it; returns the key.</summary>
    public async Task<string> CreateCustomerAsync(string customerId, string role = "admin")
    {
        using var admin = Client(AdminKey);
        (await admin.PostAsJsonAsync("/api/v1/customers", new { id = customerId, name = $"Customer {customerId}" })).EnsureSuccessStatusCode();
        return await CreateKeyAsync(customerId, role);
    }

    public async Task<string> CreateKeyAsync(string customerId, string role)
    {
        using var admin = Client(AdminKey);
        var response = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = $"{customerId} {role}", role, customerId });
        response.EnsureSuccessStatusCode();
        var created = await response.Content.ReadFromJsonAsync<CreatedKey>();
        return created!.Key;
    }

    private sealed record CreatedKey(string Id, string Key);

    public async ValueTask DisposeAsync()
    {
        await VigilApp.StopAsync(_app);
        if (_ownsDirectory)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(DataDir, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a pooled connection; the temp directory is cleaned by the OS.
            }
        }
    }
}

using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Vigil.Domain.Reference;
using Vigil.Domain.Simulation;
using Vigil.Hosting;
using Vigil.Storage.Security;
using Vigil.Storage.Writes;

namespace Vigil.Simulation;

/// <summary>
/// The demo's simulated ward. Once Vigil listens, it mints a short-lived system key, uses it over loopback HTTP to
/// ensure the demo customer and a customer admin key (the demo key), revokes the system key, sets up the ward and
/// starts streaming in real time through the same HTTP ingest as any device. It prints the dashboard address and the
/// demo key, and writes the key to <c>{data-dir}/demo.key</c> (mode 0600).
/// </summary>
public sealed class DemoWard(
    IServer server, IHostApplicationLifetime lifetime, ApiKeyStore keys, GroupCommitter writer, IOptions<VigilOptions> options,
    ILogger<DemoWard> logger) : BackgroundService
{
    public const string KeyFileName = "demo.key";

    /// <summary>The demo ward: 24 beds, mostly stable, with deteriorations that show within minutes.</summary>
    public static SimulationSettings Settings { get; } = new()
    {
        CustomerId = "demo", CustomerName = "Demo hospital", DepartmentId = "demo-ward", DepartmentName = "Ward 7 (demo)",
        PatientPrefix = "bed-", Patients = 24, Rate = 24 * 8 / 5.0, Duration = null, Scenario = Scenario.Mixed, Speed = 1,
        Timing = CourseTiming.Demo, BatchSize = 500,
    };

    private readonly TaskCompletionSource<SimulationRun> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private SimulationSetup.Tenant? _tenant;

    /// <summary>The running ward, or null while it is being set up.</summary>
    public SimulationRun? Run => _ready.Task.IsCompletedSuccessfully ? _ready.Task.Result : null;

    /// <summary>Completes with the run once the ward is set up and streaming.</summary>
    public Task<SimulationRun> Ready => _ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        try
        {
            var address = Loopback(server.Features.Get<IServerAddressesFeature>()!.Addresses.First());
            HttpClient Client(string key)
            {
                var client = new HttpClient { BaseAddress = address };
                client.DefaultRequestHeaders.Add("X-Api-Key", key);
                return client;
            }

            var (setupKey, setupSecret) = await writer.WriteAsync(ctx => keys.Create(ctx, null, "demo setup", Role.Admin, "demo"), stoppingToken);
            using var system = Client(setupSecret);
            try
            {
                _tenant = await SimulationSetup.TenantAsync(system, Client, Settings, stoppingToken, keyName: "demo", revokeKey: false);
            }
            finally
            {
                await writer.WriteAsync(ctx => keys.Revoke(ctx, setupKey.Id, null), CancellationToken.None);
            }

            var run = new SimulationRun(Settings, new HttpReadingSender(_tenant.Client, TimeProvider.System), TimeProvider.System);
            await SimulationSetup.WardAsync(_tenant.Client, Settings.CustomerId, Settings, run.Patients.Select(p => p.Id), stoppingToken);
            BootstrapAdminKey.WriteKeyFile(Path.GetFullPath(Path.Combine(options.Value.DataDir, KeyFileName)), _tenant.Key!);
            run.Start(stoppingToken);
            _ready.TrySetResult(run);
            Console.Out.WriteLine(
                $"""

                Vigil demo: a simulated ward of {Settings.Patients} patients is streaming.
                  Dashboard: {address}
                  API key:   {_tenant.Key}   (also in {Path.GetFullPath(Path.Combine(options.Value.DataDir, KeyFileName))})
                  Control:   {address}api/v1/simulator

                """);
            logger.LogInformation("Demo ward streaming: customer {Customer}, department {Department}, {Patients} patients",
                Settings.CustomerId, Settings.DepartmentId, Settings.Patients);
        }
        catch (Exception e) when (e is SimulationException or HttpRequestException)
        {
            logger.LogError(e, "The demo ward could not be set up");
            _ready.TrySetException(e);
        }
        catch (OperationCanceledException)
        {
            _ready.TrySetCanceled(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Run is { } run)
        {
            await run.StopAsync();
        }

        await base.StopAsync(cancellationToken);
        _tenant?.Client.Dispose();
    }

    /// <summary>The address to reach a listener on this machine: a wildcard host becomes 127.0.0.1.</summary>
    private static Uri Loopback(string address)
    {
        var uri = new UriBuilder(address.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::" or "localhost")
        {
            uri.Host = "127.0.0.1";
        }

        uri.Path = "/";
        return uri.Uri;
    }
}

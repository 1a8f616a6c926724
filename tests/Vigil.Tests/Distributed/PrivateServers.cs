using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vigil.Tests.Distributed;

/// <summary>
/// A PostgreSQL and a Kafka of one test's own, started by the project's scripts (scripts/test-deps, VIGIL_TEST_DEPS_DIR
/// and other ports), so the test can stop and restart them under a running Vigil without taking down the servers other
/// tests share.
/// </summary>
internal sealed class PrivateServers : IAsyncDisposable
{
    private readonly string _repo;
    private readonly Dictionary<string, string> _env;

    private PrivateServers(string repo, string dir, Dictionary<string, string> env)
    {
        _repo = repo;
        Directory = dir;
        _env = env;
    }

    public string Directory { get; }

    public string Postgres { get; private set; } = "";

    public string Kafka { get; private set; } = "";

    public static async Task<PrivateServers> StartAsync(CancellationToken cancellationToken)
    {
        DistributedServers.Require(); // the machine has what the servers need (the shared ones run), else skip or fail
        var repo = RepoRoot();
        var dir = Path.Combine(repo, "artifacts", "test-deps-private", Guid.NewGuid().ToString("N")[..8]);
        var env = new Dictionary<string, string>
        {
            ["VIGIL_TEST_DEPS_DIR"] = dir,
            ["VIGIL_TEST_POSTGRES_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VIGIL_TEST_KAFKA_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["VIGIL_TEST_ZOOKEEPER_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var servers = new PrivateServers(repo, dir, env);
        await servers.RunAsync("postgres.sh", "start", cancellationToken);
        await servers.RunAsync("kafka.sh", "start", cancellationToken);
        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(dir, "env"), cancellationToken))
        {
            var (name, value) = (line[..line.IndexOf('=')], line[(line.IndexOf('=') + 1)..].Trim('\''));
            if (name == "VIGIL_TEST_POSTGRES")
            {
                servers.Postgres = value;
            }
            else if (name == "VIGIL_TEST_KAFKA")
            {
                servers.Kafka = value;
            }
        }

        return servers;
    }

    public Task StopPostgresAsync(CancellationToken ct) => RunAsync("postgres.sh", "stop", ct);

    public Task StartPostgresAsync(CancellationToken ct) => RunAsync("postgres.sh", "start", ct);

    public Task StopKafkaBrokerAsync(CancellationToken ct) => RunAsync("kafka.sh", "stop-broker", ct);

    public Task StartKafkaBrokerAsync(CancellationToken ct) => RunAsync("kafka.sh", "start-broker", ct);

    private async Task RunAsync(string script, string command, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("bash", [Path.Combine(_repo, "scripts", "test-deps", script), command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var (name, value) in _env)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var output = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} {command} failed: {await output}");
        }
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "test-deps", "postgres.sh")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("scripts/test-deps not found above " + AppContext.BaseDirectory);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await RunAsync("kafka.sh", "stop", CancellationToken.None);
        await RunAsync("postgres.sh", "stop", CancellationToken.None);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A file the postgres user still held; artifacts/ is the project's scratch space.
        }
    }
}

using System.Diagnostics;
using Dapper;
using Npgsql;

namespace Vigil.Tests.Distributed;

/// <summary>Start-up on Kafka refuses topics whose partition count differs from the one Vigil hashes patients into.</summary>
public sealed class TopicCheckTests : IAsyncLifetime
{
    private readonly string _database = $"vigil_topics_{Guid.NewGuid():N}";
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "vigil-topics-" + Guid.NewGuid().ToString("N"));
    private string _server = "";
    private string _kafka = "";

    public async ValueTask InitializeAsync()
    {
        (_server, _kafka) = DistributedServers.Require();
        await DistributedServers.CreateDatabaseAsync(_server, _database, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Topics_with_another_partition_count_stop_vigil_with_one_line_and_exit_code_2()
    {
        // The test broker creates a topic on first use with 12 partitions; Vigil is told to expect 6.
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "vigil.dll"), "serve", "--urls", "http://127.0.0.1:0", "--data-dir", _dataDir,
                     "--storage", "postgres", "--connection-string", new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ConnectionString,
                     "--log", "kafka", "--kafka-bootstrap", _kafka, "--Kafka:Prefix", $"t{Guid.NewGuid():N}"[..13] + ".", "--EventLog:Partitions", "6",
                 }.Concat(DistributedServers.KafkaClientSettings().SelectMany(s => new[] { "--kafka-config", s })))
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true); // it started instead of refusing: the assertions below say so
            }
        }

        process.ExitCode.ShouldBe(2);
        var message = (await stderr).Trim();
        message.ShouldNotContain('\n');
        message.ShouldContain("Kafka topics with another partition count than EventLog:Partitions (6)");
        message.ShouldContain("readings.raw (12)");
    }

    public async ValueTask DisposeAsync()
    {
        if (_server.Length > 0)
        {
            await DistributedServers.DropDatabaseAsync(_server, _database);
        }

        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Npgsql;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Distributed;

/// <summary>
/// The distributed mode scaled out, as real processes on the test PostgreSQL and Kafka: one process ingests and
/// enriches, two run the analyze role in one consumer group. One analyzer is killed with SIGKILL midway and started
/// again later. Afterwards every window equals the recomputation from the stored readings, each breaching patient's
/// alert counts every one of its readings exactly once (a reading handled out of order would be older than the latest
/// one seen and not counted; one handled twice would be counted twice), and no alert was raised twice.
/// </summary>
public sealed class ScaleOutTests : IAsyncLifetime
{
    private const int Patients = 200;
    private const int PerPatient = 100;
    private const int Breaching = 20;
    private const int BatchSize = 500;

    private readonly string _root = Path.Combine(Path.GetTempPath(), "vigil-scale-" + Guid.NewGuid().ToString("N"));
    private readonly string _database = $"vigil_scale_{Guid.NewGuid():N}";
    private string _server = "";
    private string _kafka = "";

    public async ValueTask InitializeAsync()
    {
        (_server, _kafka) = DistributedServers.Require();
        await DistributedServers.CreateDatabaseAsync(_server, _database, TestContext.Current.CancellationToken);
    }

    private string ConnectionString => new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ConnectionString;

    private IReadOnlyList<string> Args(string roles, string prefix) =>
    [
        "--roles", roles, "--storage", "postgres", "--connection-string", ConnectionString, "--log", "kafka", "--kafka-bootstrap", _kafka,
        .. DistributedServers.KafkaClientSettings().SelectMany(s => new[] { "--kafka-config", s }),
        // A member killed without leaving is noticed after the session timeout; the broker's minimum keeps the test short.
        "--kafka-config", "session.timeout.ms=6000", "--Kafka:Prefix", prefix,
    ];

    [Fact]
    public async Task Two_analyze_members_share_the_work_and_one_killed_midway_loses_and_doubles_nothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var prefix = $"s{Guid.NewGuid():N}"[..13] + ".";
        await using var ingest = await VigilProcess.StartAsync(Path.Combine(_root, "ingest"), ct, Args("ingest,enrich,api", prefix));
        var analyzeB = await VigilProcess.StartAsync(Path.Combine(_root, "analyze-b"), ct, Args("analyze", prefix));
        await using var analyzeC = await VigilProcess.StartAsync(Path.Combine(_root, "analyze-c"), ct, Args("analyze", prefix));
        using var http = await TenantAsync(ingest, ct);

        // Each patient's readings in event-time order, 30 s apart; the batches interleave patients.
        var start = DateTimeOffset.UtcNow.AddHours(-2);
        var readings = Enumerable.Range(0, PerPatient).SelectMany(n => Enumerable.Range(0, Patients).Select(p => new
        {
            id = $"p{p:000}-{n:000}",
            patientId = $"p{p:000}",
            type = "heart_rate",
            value = p < Breaching ? 150 : 60 + (n % 30),
            observedAt = start.AddSeconds(30 * n).ToString("O"),
        })).ToList();
        var batches = readings.Chunk(BatchSize).ToList();
        await WaitForAsync("both analyze members own partitions",
            "SELECT COUNT(DISTINCT owner) FROM consumer_offsets WHERE group_id = 'analyze' AND topic = 'readings.enriched'", 2, ct);
        for (var i = 0; i < batches.Count; i++)
        {
            if (i == batches.Count / 2)
            {
                // Both members have handled part of the stream when one of them dies.
                await WaitForAsync("every partition has progressed",
                    "SELECT COUNT(*) FROM consumer_offsets WHERE group_id = 'analyze' AND topic = 'readings.enriched' AND next_offset > 0", 12, ct);
                await analyzeB.KillAsync();
            }

            using var response = await http.PostAsJsonAsync("/api/v1/readings", batches[i], ct);
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(ct));
        }

        await analyzeB.DisposeAsync();
        await using var restarted = await VigilProcess.StartAsync(Path.Combine(_root, "analyze-b"), ct, Args("analyze", prefix));
        await WaitUntilAnalyzedAsync(readings.Count, ct);

        await using var db = new NpgsqlConnection(ConnectionString);
        await db.OpenAsync(ct);
        (await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM readings")).ShouldBe(readings.Count);
        foreach (var (size, micros) in new[] { ("1m", 60_000_000L), ("5m", 300_000_000L), ("1h", 3_600_000_000L) })
        {
            var windows = (await db.QueryAsync<(string, long, long)>(
                "SELECT patient_id, window_start, count FROM window_aggregates WHERE size = @size", new { size })).ToList();
            var recomputed = (await db.QueryAsync<(string, long, long)>(
                "SELECT patient_id, (observed_at / @micros) * @micros, COUNT(*) FROM readings GROUP BY 1, 2", new { micros })).ToList();
            windows.ShouldBe(recomputed, ignoreOrder: true, $"{size} windows");
        }

        var alerts = (await db.QueryAsync<(string PatientId, long Breaches)>(
            "SELECT patient_id, breaches FROM alerts WHERE rule = 'threshold:heart_rate'")).ToList();
        alerts.Select(a => a.PatientId).ShouldBe(Enumerable.Range(0, Breaching).Select(p => $"p{p:000}"), ignoreOrder: true);
        alerts.ShouldAllBe(a => a.Breaches == PerPatient);
        (await db.QueryAsync<(string, long)>(
                "SELECT alert_id, COUNT(*) FROM alert_transitions WHERE transition = 'created' GROUP BY alert_id HAVING COUNT(*) > 1"))
            .ShouldBeEmpty("no alert was created twice");
        (await db.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM alerts WHERE rule = 'news2'")).ShouldBe(Breaching, "one NEWS2 alert per breaching patient");
    }

    private async Task<HttpClient> TenantAsync(VigilProcess ingest, CancellationToken ct)
    {
        var adminKey = (await File.ReadAllTextAsync(Path.Combine(_root, "ingest", "admin.key"), ct)).Trim();
        using var admin = new HttpClient { BaseAddress = ingest.BaseAddress };
        admin.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        (await admin.PostAsJsonAsync("/api/v1/customers", new { id = "scale", name = "Scale-out" }, ct)).EnsureSuccessStatusCode();
        var created = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "scale", role = "admin", customerId = "scale" }, ct))
            .Content.ReadFromJsonAsync<JsonElement>(ct);
        var http = new HttpClient { BaseAddress = ingest.BaseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", created.GetProperty("key").GetString());
        for (var p = 0; p < Patients; p++)
        {
            (await http.PostAsJsonAsync("/api/v1/patients", new { id = $"p{p:000}", name = $"Patient {p}" }, ct)).EnsureSuccessStatusCode();
        }

        return http;
    }

    /// <summary>Waits until <paramref name="sql"/> answers <paramref name="expected"/>, asking PostgreSQL every 200 ms.</summary>
    private async Task WaitForAsync(string what, string sql, long expected, CancellationToken ct)
    {
        await using var db = new NpgsqlConnection(ConnectionString);
        await db.OpenAsync(ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        while (await db.ExecuteScalarAsync<long>(sql) != expected)
        {
            try
            {
                await Task.Delay(200, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"gave up waiting until {what}");
            }
        }
    }

    /// <summary>
    /// Waits until the analyze group has reflected every reading in the 1-minute windows and moved past its whole
    /// backlog, asking PostgreSQL (the processes are separate, so there is no in-process signal to wait on).
    /// </summary>
    private async Task WaitUntilAnalyzedAsync(int expected, CancellationToken ct)
    {
        await using var db = new NpgsqlConnection(ConnectionString);
        await db.OpenAsync(ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(3));
        while (await db.ExecuteScalarAsync<long?>("SELECT SUM(count) FROM window_aggregates WHERE size = '1h'") != expected)
        {
            await Task.Delay(200, deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server.Length > 0)
        {
            await DistributedServers.DropDatabaseAsync(_server, _database);
        }

        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}

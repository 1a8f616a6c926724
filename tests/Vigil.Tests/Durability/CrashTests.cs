using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Domain.Log;
using Vigil.Processing;
using Vigil.Processing.Analysis;
using Vigil.Processing.Enrichment;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Durability;

/// <summary>
/// Acknowledged means durable: a real Vigil process under concurrent ingest is killed with SIGKILL several times and
/// restarted on the same data directory; every reading it acknowledged is then stored exactly once and present exactly
/// once in the readings.raw log. Clients resend what was not acknowledged, as devices do. The processing roles crash
/// with it: afterwards each stored reading is enriched exactly once, every window's count equals a recomputation, and
/// no alert is doubled.
/// </summary>
public sealed class CrashTests
{
    private const int Kills = 4;
    private const int Clients = 6;
    private const int BatchSize = 25;
    private const int AcksBetweenKills = 60;

    [Fact]
    public async Task Every_acknowledged_reading_survives_repeated_sigkill_exactly_once()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Path.Combine(Path.GetTempPath(), "vigil-crash-" + Guid.NewGuid().ToString("N"));
        try
        {
            var vigil = await VigilProcess.StartAsync(dataDir, ct);
            var key = await SetUpCustomerAsync(vigil.BaseAddress, dataDir, ct);
            var acked = new Acknowledgements("/api/v1/readings", result =>
                (result.GetProperty("accepted").GetInt32() + result.GetProperty("duplicates").GetInt32()).ShouldBe(BatchSize));
            var batches = 0;

            for (var round = 0; round <= Kills; round++)
            {
                // Devices resend what the crashed server never answered: same ids, so each is stored once.
                await acked.ResendAsync(vigil.BaseAddress, key, ct);

                var target = acked.Count + AcksBetweenKills * BatchSize;
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(() => IngestUntilStoppedAsync(
                    vigil.BaseAddress, key, c, round, () => Interlocked.Increment(ref batches), acked,
                    () => { if (acked.Count >= target) reached.TrySetResult(); }, stop.Token), ct)).ToArray();

                // Let the clients run until enough batches were acknowledged in this round, then crash the server mid-stream.
                await Task.WhenAny(reached.Task, Task.WhenAll(clients));
                await Task.WhenAll(clients.Where(t => t.IsFaulted)); // surfaces an unexpected client failure
                reached.Task.IsCompleted.ShouldBeTrue("the clients stopped before the round's acknowledgements arrived");
                if (round < Kills)
                {
                    await vigil.KillAsync();
                    await stop.CancelAsync();
                    await Task.WhenAll(clients.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                    await vigil.DisposeAsync();
                    vigil = await VigilProcess.StartAsync(dataDir, ct);
                }
                else
                {
                    await stop.CancelAsync();
                    await Task.WhenAll(clients.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                    await vigil.KillAsync();
                    await vigil.DisposeAsync();
                }
            }

            acked.Count.ShouldBeGreaterThanOrEqualTo((Kills + 1) * AcksBetweenKills * BatchSize);
            var (stored, logged) = ReadStorage(dataDir);
            foreach (var id in acked.Acked.Keys)
            {
                stored.GetValueOrDefault(id).ShouldBe(1, $"reading {id} was acknowledged");
                logged.GetValueOrDefault(id).ShouldBe(1, $"reading {id} was acknowledged");
            }

            stored.Values.ShouldAllBe(n => n == 1);
            logged.Values.ShouldAllBe(n => n == 1);
            logged.Count.ShouldBe(stored.Count);

            // Processing went through the same crashes. Let it catch up, then check its effects against the readings:
            // each stored reading enriched exactly once, and every window's count equal to a recomputation.
            await using (var server = await VigilServer.StartAsync(dataDir))
            {
                await CaughtUpAsync(server, dataDir, ct);
            }

            ReadEnriched(dataDir).ShouldBe(stored.ToDictionary(s => s.Key, _ => 1), ignoreOrder: true);
            foreach (var (size, micros) in new[] { ("1m", 60_000_000L), ("5m", 300_000_000L), ("1h", 3_600_000_000L) })
            {
                WindowCounts(dataDir, size).ShouldBe(Recomputed(dataDir, micros), ignoreOrder: true, $"{size} windows");
            }

            CheckAlerts(dataDir);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    /// <summary>Waits until enrichment and window aggregation have committed everything in the log (no polling: each
    /// role reports its committed progress).</summary>
    private static async Task CaughtUpAsync(VigilServer server, string dataDir, CancellationToken ct)
    {
        var roles = server.Services.GetServices<IHostedService>().OfType<LogConsumerService>().ToList();
        await WaitForAsync(roles.OfType<ReadingEnricher>().Single(), Topics.ReadingsRaw, dataDir, ct);
        await WaitForAsync(roles.OfType<Analyzer>().Single(), Topics.ReadingsEnriched, dataDir, ct);
    }

    /// <summary>
    /// No alert doubled or lost: p9's heart rate always breaches, so p9 has exactly one threshold alert and one NEWS2
    /// alert (a pulse of 150 scores 3) and nobody else has any; each was created once, in the table and on the topic;
    /// and the threshold alert counts exactly the breaches the rule took, replayed here from the enriched log in the
    /// order the evaluator read it (a reading older than the latest one seen is about the past and is not counted).
    /// </summary>
    private static void CheckAlerts(string dataDir)
    {
        Query<(string, string, long)>(dataDir, "SELECT patient_id, rule, COUNT(*) FROM alerts WHERE customer_id = 'crash' GROUP BY 1, 2")
            .ShouldBe([("p9", "news2", 1L), ("p9", "threshold:heart_rate", 1L)], ignoreOrder: true);
        Query<(string, long)>(dataDir, "SELECT transition, COUNT(*) FROM alert_transitions WHERE customer_id = 'crash' GROUP BY 1")
            .ShouldBe([("created", 2L)]);
        Query<byte[]>(dataDir, "SELECT payload FROM log WHERE topic = 'alerts' AND key = 'crash/p9'")
            .Select(p => JsonDocument.Parse(p).RootElement.GetProperty("type").GetString()).ShouldBe(["alert.created", "alert.created"]);

        var latest = DateTimeOffset.MinValue;
        var counted = 0;
        foreach (var payload in Query<byte[]>(dataDir, "SELECT payload FROM log WHERE topic = 'readings.enriched' AND key = 'crash/p9' ORDER BY seq"))
        {
            var at = JsonDocument.Parse(payload).RootElement.GetProperty("body").GetProperty("observedAt").GetDateTimeOffset();
            if (at >= latest)
            {
                latest = at;
                counted++;
            }
        }

        Query<long>(dataDir, "SELECT breaches FROM alerts WHERE customer_id = 'crash' AND rule = 'threshold:heart_rate'").ShouldBe([counted]);
    }

    private static async Task WaitForAsync(LogConsumerService role, string topic, string dataDir, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        foreach (var (partition, last) in Query<(long, long)>(dataDir, $"SELECT partition, MAX(seq) FROM log WHERE topic = '{topic}' GROUP BY partition"))
        {
            await role.ProcessedAsync(topic, (int)partition, last, timeout.Token);
        }
    }

    private static Dictionary<string, int> ReadEnriched(string dataDir) =>
        Query<byte[]>(dataDir, "SELECT payload FROM log WHERE topic = 'readings.enriched'")
            .Select(p => JsonDocument.Parse(p).RootElement.GetProperty("body"))
            .Where(b => b.GetProperty("customerId").GetString() == "crash")
            .GroupBy(b => b.GetProperty("id").GetString()!)
            .ToDictionary(g => g.Key, g => g.Count());

    private static Dictionary<(string, string, long), long> WindowCounts(string dataDir, string size) =>
        Query<(string, string, long, long)>(dataDir,
                $"SELECT patient_id, type, window_start, count FROM window_aggregates WHERE customer_id = 'crash' AND size = '{size}'")
            .ToDictionary(r => (r.Item1, r.Item2, r.Item3), r => r.Item4);

    private static Dictionary<(string, string, long), long> Recomputed(string dataDir, long micros) =>
        Query<(string, string, long, long)>(dataDir,
                $"SELECT patient_id, type, (observed_at / {micros}) * {micros}, COUNT(*) FROM readings WHERE customer_id = 'crash' GROUP BY 1, 2, 3")
            .ToDictionary(r => (r.Item1, r.Item2, r.Item3), r => r.Item4);

    private static List<T> Query<T>(string dataDir, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "vigil.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return Dapper.SqlMapper.Query<T>(connection, sql).ToList();
    }

    private static async Task<string> SetUpCustomerAsync(Uri baseAddress, string dataDir, CancellationToken ct)
    {
        var adminKey = (await File.ReadAllTextAsync(Path.Combine(dataDir, "admin.key"), ct)).Trim();
        using var admin = new HttpClient { BaseAddress = baseAddress };
        admin.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        (await admin.PostAsJsonAsync("/api/v1/customers", new { id = "crash", name = "Crash test" }, ct)).EnsureSuccessStatusCode();
        var created = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "crash admin", role = "admin", customerId = "crash" }, ct))
            .Content.ReadFromJsonAsync<JsonElement>(ct);
        var key = created.GetProperty("key").GetString()!;
        using var tenant = new HttpClient { BaseAddress = baseAddress };
        tenant.DefaultRequestHeaders.Add("X-Api-Key", key);
        for (var p = 0; p < 10; p++)
        {
            (await tenant.PostAsJsonAsync("/api/v1/patients", new { id = $"p{p}", name = $"Patient {p}" }, ct)).EnsureSuccessStatusCode();
        }

        return key;
    }

    /// <summary>Posts batches until stopped; a batch whose answer was lost is sent again (same ids) until acknowledged.</summary>
    private static async Task IngestUntilStoppedAsync(
        Uri baseAddress, string key, int client, int round, Func<int> nextBatch, Acknowledgements acked, Action onAck, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        while (!stop.IsCancellationRequested)
        {
            var batch = nextBatch();
            var ids = Enumerable.Range(0, BatchSize).Select(i => $"r{round}-{client}-{batch}-{i}").ToArray();
            if (!await acked.PostAsync(http, Body(ids, batch), stop))
            {
                return; // the server died under this request: not acknowledged, to be resent
            }

            onAck();
        }
    }

    private static string Body(string[] ids, int batch)
    {
        var time = DateTimeOffset.UtcNow.AddMinutes(-30).AddMilliseconds(batch);
        return JsonSerializer.Serialize(ids.Select((id, i) => new
        {
            id,
            patientId = $"p{i % 10}",
            type = "heart_rate",
            value = i % 10 == 9 ? 150 : 60 + (i % 40), // p9's heart rate always breaches the default high limit (130)
            observedAt = time.AddSeconds(i).ToString("O"),
        }));
    }

    /// <summary>How often each reading id occurs in the readings table and in the readings.raw log, read from the file itself.</summary>
    private static (Dictionary<string, int> Stored, Dictionary<string, int> Logged) ReadStorage(string dataDir)
    {
        Vigil.Storage.Sqlite.SqliteLibrary.Init();
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "vigil.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        var stored = new Dictionary<string, int>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT id FROM readings WHERE customer_id = 'crash'";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                stored[reader.GetString(0)] = stored.GetValueOrDefault(reader.GetString(0)) + 1;
            }
        }

        var logged = new Dictionary<string, int>();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT payload FROM log WHERE topic = 'readings.raw'";
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                using var envelope = JsonDocument.Parse((byte[])reader.GetValue(0));
                var id = envelope.RootElement.GetProperty("body").GetProperty("id").GetString()!;
                logged[id] = logged.GetValueOrDefault(id) + 1;
            }
        }

        return (stored, logged);
    }
}

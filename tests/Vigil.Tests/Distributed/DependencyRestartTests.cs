using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Npgsql;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Distributed;

/// <summary>
/// The distributed mode while its dependencies restart, on a PostgreSQL and a Kafka of the test's own. Clients keep
/// posting readings and resend what was not acknowledged, as devices do. While PostgreSQL is down ingest answers 503
/// with Retry-After, never 202; while the Kafka broker is down ingest goes on (the outbox is in PostgreSQL) and the
/// relay waits. Vigil recovers by itself; afterwards every acknowledged reading is stored once and processed.
/// </summary>
public sealed class DependencyRestartTests : IAsyncLifetime
{
    private PrivateServers _servers = null!;
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "vigil-restart-" + Guid.NewGuid().ToString("N"));

    public async ValueTask InitializeAsync() => _servers = await PrivateServers.StartAsync(TestContext.Current.CancellationToken);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _servers.DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private async Task<(VigilProcess Vigil, HttpClient Client)> StartVigilAsync(CancellationToken ct)
    {
        var vigil = await VigilProcess.StartAsync(_dataDir, ct,
        [
            "--storage", "postgres", "--connection-string", _servers.Postgres + ";Timeout=3;Command Timeout=5", "--log", "kafka",
            "--kafka-bootstrap", _servers.Kafka, .. DistributedServers.KafkaClientSettings().SelectMany(s => new[] { "--kafka-config", s }),
        ]);
        var adminKey = (await File.ReadAllTextAsync(Path.Combine(_dataDir, "admin.key"), ct)).Trim();
        using var admin = new HttpClient { BaseAddress = vigil.BaseAddress };
        admin.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        (await admin.PostAsJsonAsync("/api/v1/customers", new { id = "restart", name = "Restarts" }, ct)).EnsureSuccessStatusCode();
        var created = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "restart", role = "admin", customerId = "restart" }, ct))
            .Content.ReadFromJsonAsync<JsonElement>(ct);
        var client = new HttpClient { BaseAddress = vigil.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Api-Key", created.GetProperty("key").GetString());
        for (var p = 0; p < 10; p++)
        {
            (await client.PostAsJsonAsync("/api/v1/patients", new { id = $"p{p}", name = $"Patient {p}" }, ct)).EnsureSuccessStatusCode();
        }

        return (vigil, client);
    }

    /// <summary>What the posting clients saw: ids acknowledged, and every 503 with whether it said when to retry.</summary>
    private sealed class Outcomes
    {
        public ConcurrentDictionary<string, bool> Acked { get; } = new();

        public ConcurrentBag<bool> Unavailable { get; } = [];

        public int Sent;
    }

    /// <summary>Posts single readings until stopped; one not acknowledged is sent again (same id) until it is.</summary>
    private static async Task PostUntilStoppedAsync(HttpClient client, int worker, Outcomes outcomes, CancellationToken stop)
    {
        var time = DateTimeOffset.UtcNow.AddMinutes(-30);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var id = $"w{worker}-{n}";
            var body = JsonSerializer.Serialize(new { id, patientId = $"p{n % 10}", type = "heart_rate", value = 70, observedAt = time.AddMilliseconds(n).ToString("O") });
            while (true)
            {
                Interlocked.Increment(ref outcomes.Sent);
                using var response = await client.PostAsync("/api/v1/readings", new StringContent(body, Encoding.UTF8, "application/json"), CancellationToken.None);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    outcomes.Acked[id] = true;
                    break;
                }

                response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync(CancellationToken.None));
                outcomes.Unavailable.Add(response.Headers.RetryAfter is not null);
            }
        }
    }

    /// <summary>
    /// Starts Vigil and three posting clients, lets 100 readings be acknowledged, runs <paramref name="disruption"/>
    /// (which returns once the dependency is back), lets 100 more be acknowledged, stops the clients, and checks that
    /// every acknowledged reading is stored once and processed, while Vigil still runs.
    /// </summary>
    private async Task<Outcomes> IngestThroughAsync(Func<Outcomes, CancellationToken, Task> disruption, CancellationToken ct)
    {
        var (vigil, client) = await StartVigilAsync(ct);
        await using var _ = vigil;
        using var __ = client;
        var outcomes = new Outcomes();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var workers = Enumerable.Range(0, 3).Select(w => Task.Run(() => PostUntilStoppedAsync(client, w, outcomes, stop.Token), ct)).ToArray();

        await WaitUntilAsync(() => outcomes.Acked.Count >= 100, "100 readings acknowledged before the restart", ct);
        await disruption(outcomes, ct);
        var ackedAtRestart = outcomes.Acked.Count;
        await WaitUntilAsync(() => outcomes.Acked.Count >= ackedAtRestart + 100, "100 more readings acknowledged after the restart", ct);
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        await ShouldAllBeStoredAndProcessedAsync(outcomes, ct);
        return outcomes;
    }

    [Fact]
    public async Task Ingest_answers_503_with_Retry_After_while_PostgreSQL_restarts_and_nothing_acknowledged_is_lost()
    {
        var ct = TestContext.Current.CancellationToken;

        var outcomes = await IngestThroughAsync(async (seen, token) =>
        {
            await _servers.StopPostgresAsync(token);
            await WaitUntilAsync(() => !seen.Unavailable.IsEmpty, "ingest answering 503 while PostgreSQL is down", token);
            await _servers.StartPostgresAsync(token);
        }, ct);

        outcomes.Unavailable.ShouldAllBe(hasRetryAfter => hasRetryAfter, "every 503 says when to retry");
    }

    [Fact]
    public async Task Ingest_goes_on_while_the_Kafka_broker_restarts_and_processing_catches_up_losing_nothing()
    {
        var ct = TestContext.Current.CancellationToken;

        var outcomes = await IngestThroughAsync(async (seen, token) =>
        {
            await _servers.StopKafkaBrokerAsync(token);
            var ackedAtStop = seen.Acked.Count;
            await WaitUntilAsync(() => seen.Acked.Count >= ackedAtStop + 100, "100 readings acknowledged while the broker is down", token);
            await _servers.StartKafkaBrokerAsync(token);
        }, ct);

        outcomes.Unavailable.ShouldBeEmpty("ingest does not need Kafka: the outbox is in PostgreSQL");
    }

    /// <summary>Every acknowledged reading is stored exactly once, and the pipeline reflects every stored one in the windows.</summary>
    private async Task ShouldAllBeStoredAndProcessedAsync(Outcomes outcomes, CancellationToken ct)
    {
        await using var db = new NpgsqlConnection(_servers.Postgres);
        await db.OpenAsync(ct);
        var stored = (await db.QueryAsync<string>("SELECT id FROM readings WHERE customer_id = 'restart'")).ToList();
        stored.ShouldBeUnique();
        stored.ShouldBe(outcomes.Acked.Keys, ignoreOrder: true, "exactly the acknowledged readings are stored");

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        while (await db.ExecuteScalarAsync<long?>("SELECT SUM(count) FROM window_aggregates WHERE customer_id = 'restart' AND size = '1h'") != stored.Count)
        {
            try
            {
                await Task.Delay(200, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                var progress = await db.QueryAsync<(string, string, long)>(
                    "SELECT group_id, topic, SUM(next_offset) FROM consumer_offsets GROUP BY 1, 2 ORDER BY 1, 2");
                var relayed = await db.QueryAsync<(string, long)>("SELECT topic, SUM(next_offset) FROM relay_positions GROUP BY 1 ORDER BY 1");
                var windows = await db.ExecuteScalarAsync<long?>("SELECT SUM(count) FROM window_aggregates WHERE customer_id = 'restart' AND size = '1h'");
                throw new TimeoutException(
                    $"processing did not catch up: {windows} of {stored.Count} readings in the windows; outbox {await db.ExecuteScalarAsync<long>("SELECT COALESCE(SUM(count), 0) FROM outbox")} messages; "
                    + $"relayed {string.Join(", ", relayed)}; groups {string.Join(", ", progress)}");
            }
        }
    }

    /// <summary>Waits for something the posting clients report, checking every 50 ms, for at most two minutes.</summary>
    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        while (!condition())
        {
            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                throw new TimeoutException($"gave up waiting for {what}");
            }
        }
    }
}

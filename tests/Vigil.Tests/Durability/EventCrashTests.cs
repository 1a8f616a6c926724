using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Processing.Events;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Durability;

/// <summary>
/// Clinical events through SIGKILL: a real Vigil process takes admissions, transfers and discharges from concurrent
/// clients and is killed several times while the process role is handling them. Afterwards every acknowledged event is
/// processed, and each patient has exactly one reference change per processed admission, transfer and discharge (plus
/// the one of its creation): no effect lost, none doubled by the events handed out again after each crash.
/// </summary>
public sealed class EventCrashTests
{
    private const string Customer = "evcrash";
    private const int Kills = 3;
    private const int Clients = 4;
    private const int PatientsPerClient = 2;
    private const int EventsPerPatientPerBatch = 3;
    private const int AcksBetweenKills = 25;

    /// <summary>A patient's events go round this cycle, so every one of them is valid whatever came before.</summary>
    private static readonly (string Type, string? Department)[] Cycle =
        [("admission", "icu"), ("transfer", "ward"), ("transfer", "icu"), ("discharge", null)];

    [Fact]
    public async Task No_event_effect_is_lost_or_doubled_across_repeated_sigkill()
    {
        var ct = TestContext.Current.CancellationToken;
        var dataDir = Path.Combine(Path.GetTempPath(), "vigil-evcrash-" + Guid.NewGuid().ToString("N"));
        try
        {
            var vigil = await VigilProcess.StartAsync(dataDir, ct);
            var key = await SetUpAsync(vigil.BaseAddress, dataDir, ct);
            var acked = new Acknowledgements("/api/v1/events");
            var next = new int[Clients];
            for (var round = 0; round <= Kills; round++)
            {
                // What the crashed server never answered is sent again first (same ids), so each patient's order holds.
                await acked.ResendAsync(vigil.BaseAddress, key, ct);
                var target = acked.Count + (AcksBetweenKills * Clients * PatientsPerClient * EventsPerPatientPerBatch);
                var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
                var clients = Enumerable.Range(0, Clients).Select(c => Task.Run(() => PostUntilStoppedAsync(
                    vigil.BaseAddress, key, c, next, acked, () => { if (acked.Count >= target) reached.TrySetResult(); }, stop.Token), ct)).ToArray();

                await Task.WhenAny(reached.Task, Task.WhenAll(clients));
                await Task.WhenAll(clients.Where(t => t.IsFaulted));
                reached.Task.IsCompleted.ShouldBeTrue("the clients stopped before the round's acknowledgements arrived");
                await vigil.KillAsync();
                await stop.CancelAsync();
                await Task.WhenAll(clients.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
                await vigil.DisposeAsync();
                if (round < Kills)
                {
                    vigil = await VigilProcess.StartAsync(dataDir, ct);
                }
            }

            // The process role went through the same crashes: let it catch up, then count what it did.
            await using (var server = await VigilServer.StartAsync(dataDir))
            {
                var processor = server.Services.GetRequiredService<EventProcessor>();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(60));
                foreach (var (partition, last) in Query<(long, long)>(dataDir, "SELECT partition, MAX(seq) FROM log WHERE topic = 'events' GROUP BY partition"))
                {
                    await processor.ProcessedAsync("events", (int)partition, last, timeout.Token);
                }
            }

            var statuses = Query<(string, string)>(dataDir, $"SELECT event_id, status FROM events WHERE customer_id = '{Customer}'").ToDictionary(r => r.Item1, r => r.Item2);
            foreach (var id in acked.Acked.Keys)
            {
                statuses.GetValueOrDefault(id).ShouldBe("processed", $"event {id} was acknowledged");
            }

            statuses.Values.ShouldAllBe(s => s == "processed");
            var changes = Query<(string, long)>(dataDir, $"SELECT key, COUNT(*) FROM log WHERE topic = 'reference.changes' AND key LIKE '{Customer}/q%' GROUP BY key")
                .ToDictionary(r => r.Item1, r => r.Item2);
            var effects = Query<(string, long)>(dataDir,
                    $"SELECT patient_id, COUNT(*) FROM events WHERE customer_id = '{Customer}' AND status = 'processed' AND type IN ('admission', 'transfer', 'discharge') GROUP BY patient_id")
                .ToDictionary(r => $"{Customer}/{r.Item1}", r => r.Item2 + 1);
            changes.ShouldBe(effects, ignoreOrder: true);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }
    }

    private static async Task<string> SetUpAsync(Uri baseAddress, string dataDir, CancellationToken ct)
    {
        using var system = new HttpClient { BaseAddress = baseAddress };
        system.DefaultRequestHeaders.Add("X-Api-Key", (await File.ReadAllTextAsync(Path.Combine(dataDir, "admin.key"), ct)).Trim());
        (await system.PostAsJsonAsync("/api/v1/customers", new { id = Customer, name = "Event crash test" }, ct)).EnsureSuccessStatusCode();
        var created = await (await system.PostAsJsonAsync("/api/v1/api-keys", new { name = "admin", role = "admin", customerId = Customer }, ct))
            .Content.ReadFromJsonAsync<JsonElement>(ct);
        var key = created.GetProperty("key").GetString()!;
        using var admin = new HttpClient { BaseAddress = baseAddress };
        admin.DefaultRequestHeaders.Add("X-Api-Key", key);
        foreach (var department in new[] { "icu", "ward" })
        {
            (await admin.PostAsJsonAsync($"/api/v1/customers/{Customer}/departments", new { id = department, name = department }, ct)).EnsureSuccessStatusCode();
        }

        for (var p = 0; p < Clients * PatientsPerClient; p++)
        {
            (await admin.PostAsJsonAsync("/api/v1/patients", new { id = $"q{p}", name = $"Patient {p}" }, ct)).EnsureSuccessStatusCode();
        }

        return key;
    }

    /// <summary>Posts the next events of the client's own patients until stopped; a batch whose answer was lost waits to be resent.</summary>
    private static async Task PostUntilStoppedAsync(
        Uri baseAddress, string key, int client, int[] next, Acknowledgements acked, Action onAck, CancellationToken stop)
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var ts = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
        while (!stop.IsCancellationRequested)
        {
            var step = next[client];
            next[client] += EventsPerPatientPerBatch;
            var events = Enumerable.Range(0, PatientsPerClient).SelectMany(p => Enumerable.Range(step, EventsPerPatientPerBatch).Select(n =>
            {
                var patient = $"q{(client * PatientsPerClient) + p}";
                var (type, department) = Cycle[n % Cycle.Length];
                return new { eventId = $"{patient}-{n}", patientId = patient, type, data = new { departmentId = department }, ts };
            }));
            if (!await acked.PostAsync(http, JsonSerializer.Serialize(events), stop))
            {
                return;
            }

            onAck();
        }
    }

    private static List<T> Query<T>(string dataDir, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "vigil.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        return Dapper.SqlMapper.Query<T>(connection, sql).ToList();
    }
}

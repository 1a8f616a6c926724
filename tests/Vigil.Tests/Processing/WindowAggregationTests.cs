using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Domain.Log;
using Vigil.Processing.Analysis;
using Vigil.Storage.EventLog;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>
/// The analyze role's tumbling windows, seen through the API: every stored quantity reading is reflected in its 1m, 5m
/// and 1h windows whatever order it arrives in; windows turn final as the patient's watermark passes them; late
/// readings correct final windows. Tests wait for the enriched message of each reading, then for the aggregator to
/// commit past its offset: no sleeps.
/// </summary>
public abstract class WindowAggregationTests(ServerFixture fixture)
{
    private static readonly TimeSpan Lateness = TimeSpan.FromMinutes(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The start of an hour well in the past, so every test time is accepted and windows align on it.</summary>
    private static DateTimeOffset Base
    {
        get
        {
            var t = DateTimeOffset.UtcNow.AddHours(-6);
            return new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);
        }
    }

    private sealed record Posted(string Id, string Type, double Value, DateTimeOffset At);

    private static object Body(Posted r) => r.Type == "consciousness"
        ? new { id = r.Id, patientId = "p", type = r.Type, value = "A", observedAt = Iso(r.At) }
        : new { id = r.Id, patientId = "p", type = r.Type, value = r.Value, observedAt = Iso(r.At) };

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", CultureInfo.InvariantCulture);

    private async Task<Tenant> TenantAsync(string name) =>
        await Tenant.CreateAsync(fixture.Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    private static async Task PostAsync(VigilServer server, HttpClient device, string customerId, params Posted[] readings)
    {
        (await device.PostJsonAsync("/api/v1/readings", readings.Select(Body).ToArray())).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await AggregatedAsync(server, customerId, readings.Select(r => r.Id));
    }

    /// <summary>
    /// Waits until each reading's enriched message is in the log (read as a consumer group of the test's own), then
    /// until the aggregator has committed past its offset.
    /// </summary>
    private static async Task AggregatedAsync(VigilServer server, string customerId, IEnumerable<string> ids)
    {
        var waiting = ids.ToHashSet();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var lastOffsets = new Dictionary<int, long>();
        await using (var consumer = server.Services.GetRequiredService<IEventLog>().Subscribe("test-agg-" + Guid.NewGuid().ToString("N"), [Topics.ReadingsEnriched]))
        {
            while (waiting.Count > 0)
            {
                var batch = await consumer.ReceiveAsync(1000, timeout.Token);
                foreach (var m in batch.Messages)
                {
                    var body = Envelope.Decode(m.Payload).Body;
                    if (body.GetProperty("customerId").GetString() == customerId && waiting.Remove(body.GetProperty("id").GetString()!))
                    {
                        lastOffsets[m.Partition] = Math.Max(m.Offset, lastOffsets.GetValueOrDefault(m.Partition));
                    }
                }
            }
        }

        var aggregator = server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();
        foreach (var (partition, offset) in lastOffsets)
        {
            await aggregator.ProcessedAsync(Topics.ReadingsEnriched, partition, offset, timeout.Token);
        }
    }

    private static async Task<JsonElement[]> AggregatesAsync(HttpClient client, string type, string window, string query = "")
    {
        var json = await (await client.Get($"/api/v1/patients/p/aggregates?type={type}&window={window}{query}")).ShouldBeAsync(HttpStatusCode.OK);
        return [.. json.EnumerateArray()];
    }

    private static JsonElement Window(JsonElement[] windows, DateTimeOffset start) =>
        windows.Single(w => w.GetProperty("windowStart").GetDateTimeOffset() == start);

    private static long LateCorrections(VigilDatabase db, string customerId) =>
        db.Scalar("SELECT late_corrections FROM patient_watermarks WHERE customer_id = @c AND patient_id = 'p'", ("@c", customerId));

    [Fact]
    public async Task Aggregates_of_every_window_size_match_a_recomputation_of_readings_sent_out_of_order()
    {
        using var tenant = await TenantAsync("agg-recompute");
        var random = new Random(7);
        var t0 = Base;
        var readings = Enumerable.Range(0, 80)
            .Select(i => new Posted($"r{i}", i % 4 == 0 ? "spo2" : "heart_rate", random.Next(40, 100), t0.AddSeconds(i * 67 + random.Next(0, 60))))
            .OrderBy(_ => random.Next())
            .ToArray();
        foreach (var chunk in readings.Chunk(16))
        {
            (await tenant.Device.PostJsonAsync("/api/v1/readings", chunk.Select(Body).ToArray())).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        await AggregatedAsync(fixture.Server, tenant.Id, readings.Select(r => r.Id));

        var watermark = readings.Max(r => r.At) - Lateness;
        foreach (var type in new[] { "heart_rate", "spo2" })
        {
            foreach (var (window, length) in new[] { ("1m", TimeSpan.FromMinutes(1)), ("5m", TimeSpan.FromMinutes(5)), ("1h", TimeSpan.FromHours(1)) })
            {
                var expected = readings.Where(r => r.Type == type)
                    .GroupBy(r => new DateTimeOffset(r.At.UtcTicks - (r.At.UtcTicks % length.Ticks), TimeSpan.Zero))
                    .OrderBy(g => g.Key)
                    .ToList();
                var actual = await AggregatesAsync(tenant.Admin, type, window);
                actual.Select(a => a.GetProperty("windowStart").GetDateTimeOffset()).ShouldBe(expected.Select(g => g.Key), $"{type} {window}");
                foreach (var (group, a) in expected.Zip(actual))
                {
                    var because = $"{type} {window} {group.Key:O}";
                    a.GetProperty("windowEnd").GetDateTimeOffset().ShouldBe(group.Key + length, because);
                    a.GetProperty("count").GetInt64().ShouldBe(group.Count(), because);
                    a.GetProperty("min").GetDouble().ShouldBe(group.Min(r => r.Value), because);
                    a.GetProperty("max").GetDouble().ShouldBe(group.Max(r => r.Value), because);
                    a.GetProperty("mean").GetDouble().ShouldBe(group.Average(r => r.Value), 1e-9, because);
                    a.GetProperty("last").GetDouble().ShouldBe(group.MaxBy(r => r.At)!.Value, because);
                    a.GetProperty("final").GetBoolean().ShouldBe(group.Key + length <= watermark, because);
                }
            }
        }

        // from/to select the windows overlapping [from, to).
        var some = await AggregatesAsync(tenant.Admin, "heart_rate", "5m", $"&from={Iso(t0.AddMinutes(12))}&to={Iso(t0.AddMinutes(20))}");
        some.Select(a => a.GetProperty("windowStart").GetDateTimeOffset()).ShouldBe([t0.AddMinutes(10), t0.AddMinutes(15)]);
    }

    [Fact]
    public async Task A_window_turns_final_when_a_later_reading_of_any_type_moves_the_watermark_past_its_end()
    {
        using var tenant = await TenantAsync("agg-final");
        var t0 = Base;
        await PostAsync(fixture.Server, tenant.Device, tenant.Id, new Posted("a", "heart_rate", 60, t0.AddSeconds(30)));
        Window(await AggregatesAsync(tenant.Admin, "heart_rate", "1m"), t0).GetProperty("final").GetBoolean().ShouldBeFalse();

        // Watermark t0+1m: exactly the 1-minute window's end.
        await PostAsync(fixture.Server, tenant.Device, tenant.Id, new Posted("b", "heart_rate", 70, t0.AddMinutes(6)));
        var minutes = await AggregatesAsync(tenant.Admin, "heart_rate", "1m");
        Window(minutes, t0).GetProperty("final").GetBoolean().ShouldBeTrue();
        Window(minutes, t0.AddMinutes(6)).GetProperty("final").GetBoolean().ShouldBeFalse();
        Window(await AggregatesAsync(tenant.Admin, "heart_rate", "5m"), t0.AddMinutes(5)).GetProperty("final").GetBoolean().ShouldBeFalse();

        // A reading that is not aggregated (ACVPU) still moves the watermark, to t0+10m.
        await PostAsync(fixture.Server, tenant.Device, tenant.Id, new Posted("c", "consciousness", 0, t0.AddMinutes(15)));
        var fives = await AggregatesAsync(tenant.Admin, "heart_rate", "5m");
        Window(fives, t0).GetProperty("final").GetBoolean().ShouldBeTrue();
        Window(fives, t0.AddMinutes(5)).GetProperty("final").GetBoolean().ShouldBeTrue();
        Window(await AggregatesAsync(tenant.Admin, "heart_rate", "1h"), t0).GetProperty("final").GetBoolean().ShouldBeFalse();
        LateCorrections(fixture.Database, tenant.Id).ShouldBe(0);
    }

    [Fact]
    public async Task A_late_reading_updates_its_final_window_and_counts_as_a_late_correction()
    {
        using var tenant = await TenantAsync("agg-late");
        var t0 = Base;
        await PostAsync(fixture.Server, tenant.Device, tenant.Id,
            new Posted("a", "heart_rate", 70, t0.AddSeconds(10)), new Posted("b", "heart_rate", 80, t0.AddMinutes(20)));
        var before = Window(await AggregatesAsync(tenant.Admin, "heart_rate", "1m"), t0);
        before.GetProperty("final").GetBoolean().ShouldBeTrue();
        before.GetProperty("count").GetInt64().ShouldBe(1);

        await PostAsync(fixture.Server, tenant.Device, tenant.Id, new Posted("late", "heart_rate", 100, t0.AddSeconds(30)));

        var after = Window(await AggregatesAsync(tenant.Admin, "heart_rate", "1m"), t0);
        after.GetProperty("count").GetInt64().ShouldBe(2);
        after.GetProperty("max").GetDouble().ShouldBe(100);
        after.GetProperty("mean").GetDouble().ShouldBe(85);
        after.GetProperty("last").GetDouble().ShouldBe(100);
        after.GetProperty("final").GetBoolean().ShouldBeTrue();
        LateCorrections(fixture.Database, tenant.Id).ShouldBe(1);

        // Hours later the window has left memory; a reading for it is merged into the stored aggregate.
        await PostAsync(fixture.Server, tenant.Device, tenant.Id, new Posted("much-later", "heart_rate", 90, t0.AddHours(4)));
        await PostAsync(fixture.Server, tenant.Device, tenant.Id, new Posted("very-late", "heart_rate", 40, t0.AddSeconds(5)));
        var merged = Window(await AggregatesAsync(tenant.Admin, "heart_rate", "1m"), t0);
        merged.GetProperty("count").GetInt64().ShouldBe(3);
        merged.GetProperty("min").GetDouble().ShouldBe(40);
        merged.GetProperty("last").GetDouble().ShouldBe(100);
        merged.GetProperty("final").GetBoolean().ShouldBeTrue();
        Window(await AggregatesAsync(tenant.Admin, "heart_rate", "1h"), t0).GetProperty("count").GetInt64().ShouldBe(4);
        LateCorrections(fixture.Database, tenant.Id).ShouldBe(2);
    }

    [Theory]
    [InlineData("?window=5m", "type")]
    [InlineData("?type=heart_rte&window=5m", "type")]
    [InlineData("?type=consciousness&window=5m", "type")]
    [InlineData("?type=heart_rate", "window")]
    [InlineData("?type=heart_rate&window=2m", "window")]
    [InlineData("?type=heart_rate&window=5m&from=yesterday", "from")]
    [InlineData("?type=heart_rate&window=5m&to=2026-01-01T10:00:00", "to")]
    public async Task A_bad_query_is_refused_with_422_naming_the_field(string query, string field)
    {
        using var tenant = await TenantAsync("agg-422");
        var problem = await (await tenant.Admin.Get("/api/v1/patients/p/aggregates" + query)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        problem.Errors().ShouldBe(new (int?, string)[] { (null, field) });
    }

    [Fact]
    public async Task Another_customers_or_an_unknown_patient_is_not_found_and_customers_see_only_their_own_windows()
    {
        using var a = await TenantAsync("agg-a");
        using var b = await TenantAsync("agg-b");
        (await a.Admin.PostJsonAsync("/api/v1/patients", new { id = "only-a", name = "Ann" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await PostAsync(fixture.Server, a.Device, a.Id, new Posted("x", "heart_rate", 66, Base.AddMinutes(1)));

        await (await b.Admin.Get("/api/v1/patients/only-a/aggregates?type=heart_rate&window=1m")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await a.Admin.Get("/api/v1/patients/nobody/aggregates?type=heart_rate&window=1m")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await AggregatesAsync(a.Admin, "heart_rate", "1m")).Length.ShouldBe(1);
        (await AggregatesAsync(b.Admin, "heart_rate", "1m")).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_allowed_lateness_comes_from_configuration()
    {
        await using var store = await fixture.CreateStoreAsync();
        await using var server = await store.StartAsync(b => b.Configuration["Analysis:AllowedLateness"] = "00:00:00");
        using var tenant = await Tenant.CreateAsync(server, "agg-lateness");
        var t0 = Base;
        await PostAsync(server, tenant.Device, tenant.Id,
            new Posted("a", "heart_rate", 70, t0.AddSeconds(30)), new Posted("b", "heart_rate", 75, t0.AddMinutes(1)));

        // With no lateness the watermark is the latest event time itself: t0+1m closes [t0, t0+1m).
        var minutes = await AggregatesAsync(tenant.Admin, "heart_rate", "1m");
        Window(minutes, t0).GetProperty("final").GetBoolean().ShouldBeTrue();
        Window(minutes, t0.AddMinutes(1)).GetProperty("final").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task After_a_restart_on_the_same_data_the_windows_continue_where_they_were()
    {
        await using var store = await fixture.CreateStoreAsync();
        var customerId = "agg-restart";
        var t0 = Base;
        string adminKey, deviceKey;
        await using (var first = await store.StartAsync())
        {
            adminKey = await first.CreateCustomerAsync(customerId);
            deviceKey = await first.CreateKeyAsync(customerId, "device");
            using var admin = first.Client(adminKey);
            using var device = first.Client(deviceKey);
            (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", name = "Pat" })).StatusCode.ShouldBe(HttpStatusCode.Created);
            await PostAsync(first, device, customerId,
                new Posted("a", "heart_rate", 70, t0.AddSeconds(10)),
                new Posted("b", "heart_rate", 80, t0.AddMinutes(20)),
                new Posted("c", "heart_rate", 90, t0.AddMinutes(20).AddSeconds(5)));
        }

        await using var second = await store.StartAsync();
        using var admin2 = second.Client(adminKey);
        using var device2 = second.Client(deviceKey);
        await PostAsync(second, device2, customerId,
            new Posted("late", "heart_rate", 100, t0.AddSeconds(30)),
            new Posted("d", "heart_rate", 60, t0.AddMinutes(20).AddSeconds(30)));

        var minutes = await AggregatesAsync(admin2, "heart_rate", "1m");
        var corrected = Window(minutes, t0);
        corrected.GetProperty("count").GetInt64().ShouldBe(2);
        corrected.GetProperty("mean").GetDouble().ShouldBe(85);
        corrected.GetProperty("final").GetBoolean().ShouldBeTrue();
        var open = Window(minutes, t0.AddMinutes(20));
        open.GetProperty("count").GetInt64().ShouldBe(3);
        open.GetProperty("min").GetDouble().ShouldBe(60);
        open.GetProperty("last").GetDouble().ShouldBe(60);
        open.GetProperty("final").GetBoolean().ShouldBeFalse();
        Window(await AggregatesAsync(admin2, "heart_rate", "1h"), t0).GetProperty("count").GetInt64().ShouldBe(5);
        LateCorrections(store.Database, customerId).ShouldBe(1);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : WindowAggregationTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : WindowAggregationTests(fixture), IClassFixture<DistributedServerFixture>;
}

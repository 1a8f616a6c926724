using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Analysis;
using Vigil.Storage.Readings;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>
/// The analyze role's NEWS2 scores, end to end: readings posted over HTTP, enriched, scored, read back. Expected points
/// are read off the RCP NEWS2 chart (2017) by hand in each test.
/// </summary>
public abstract class News2Tests(ServerFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected ServerFixture Fixture => fixture;

    // Whole seconds, ten minutes back: clear of the 5-minute future limit, and exact when read back.
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds());

    private Analyzer Scorer => fixture.Server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();

    private static object R(string id, string type, object value, DateTimeOffset at) =>
        new { id, patientId = "p", type, value, observedAt = at.ToString("O") };

    /// <summary>A full, normal round at <paramref name="at"/>: every parameter scores 0 on Scale 1.</summary>
    private static object[] NormalRound(string prefix, DateTimeOffset at) =>
    [
        R($"{prefix}-rr", "respiratory_rate", 16, at),
        R($"{prefix}-spo2", "spo2", 97, at),
        R($"{prefix}-o2", "oxygen_supplement", false, at),
        R($"{prefix}-sbp", "systolic_bp", 120, at),
        R($"{prefix}-hr", "heart_rate", 80, at),
        R($"{prefix}-acvpu", "consciousness", "A", at),
        R($"{prefix}-temp", "temperature", 37.0, at),
    ];

    private async Task<Tenant> TenantAsync(string name) =>
        await Tenant.CreateAsync(fixture.Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    /// <summary>Posts readings and waits until the scorer has committed every one of them (no sleeps).</summary>
    private async Task PostAsync(Tenant tenant, params object[] readings)
    {
        var handled = readings.Select(r => Scorer.WhenHandled(tenant.Id, (string)r.GetType().GetProperty("id")!.GetValue(r)!)).ToList();
        (await tenant.Device.PostJsonAsync("/api/v1/readings", readings)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    private static async Task<JsonElement> LatestAsync(Tenant tenant, string patientId = "p") =>
        await (await tenant.Admin.Get($"/api/v1/patients/{patientId}/news2")).ShouldBeAsync(HttpStatusCode.OK);

    private static async Task<List<JsonElement>> HistoryAsync(Tenant tenant, string query = "") =>
        (await (await tenant.Admin.Get($"/api/v1/patients/p/news2/history{query}")).ShouldBeAsync(HttpStatusCode.OK))
        .GetProperty("items").EnumerateArray().ToList();

    private static (JsonElement Value, int Points) Parameter(JsonElement score, string name)
    {
        var p = score.GetProperty("parameters").GetProperty(name);
        return (p.GetProperty("value"), p.GetProperty("points").GetInt32());
    }

    private static List<string> Missing(JsonElement score) =>
        score.GetProperty("missing").EnumerateArray().Select(m => m.GetString()!).ToList();

    [Fact]
    public async Task A_full_set_of_parameters_is_scored_on_the_chart()
    {
        using var tenant = await TenantAsync("news2-full");

        await PostAsync(tenant,
            R("rr", "respiratory_rate", 22, T.AddMinutes(-5)),
            R("spo2", "spo2", 93, T.AddMinutes(-4)),
            R("o2", "oxygen_supplement", false, T.AddMinutes(-3)),
            R("sbp", "systolic_bp", 105, T.AddMinutes(-2)),
            R("hr", "heart_rate", 115, T.AddMinutes(-1)),
            R("temp", "temperature", 38.5, T),
            R("acvpu", "consciousness", "A", T.AddMinutes(-6)));

        var score = await LatestAsync(tenant);
        // RR 22 (21–24) 2, SpO2 93 Scale 1 (92–93) 2, air 0, SBP 105 (101–110) 1, pulse 115 (111–130) 2,
        // temperature 38.5 (38.1–39.0) 1, Alert 0: 8, and 7 or more is high.
        Parameter(score, "respiration_rate").ShouldSatisfyAllConditions(p => p.Value.GetInt32().ShouldBe(22), p => p.Points.ShouldBe(2));
        Parameter(score, "spo2").ShouldSatisfyAllConditions(p => p.Value.GetInt32().ShouldBe(93), p => p.Points.ShouldBe(2));
        Parameter(score, "air_or_oxygen").ShouldSatisfyAllConditions(p => p.Value.GetString().ShouldBe("air"), p => p.Points.ShouldBe(0));
        Parameter(score, "systolic_bp").ShouldSatisfyAllConditions(p => p.Value.GetInt32().ShouldBe(105), p => p.Points.ShouldBe(1));
        Parameter(score, "pulse").ShouldSatisfyAllConditions(p => p.Value.GetInt32().ShouldBe(115), p => p.Points.ShouldBe(2));
        Parameter(score, "temperature").ShouldSatisfyAllConditions(p => p.Value.GetDouble().ShouldBe(38.5), p => p.Points.ShouldBe(1));
        Parameter(score, "consciousness").ShouldSatisfyAllConditions(p => p.Value.GetString().ShouldBe("A"), p => p.Points.ShouldBe(0));
        score.GetProperty("score").GetInt32().ShouldBe(8);
        score.GetProperty("risk").GetString().ShouldBe("high");
        Missing(score).ShouldBeEmpty();
        score.GetProperty("complete").GetBoolean().ShouldBeTrue();
        score.GetProperty("at").GetDateTimeOffset().ShouldBe(T);
    }

    [Fact]
    public async Task A_scale_2_patient_is_scored_on_SpO2_scale_2()
    {
        using var tenant = await TenantAsync("news2-scale2");
        (await tenant.Admin.PutJsonAsync("/api/v1/patients/p", new { name = "Pat", spo2Scale = 2 })).StatusCode.ShouldBe(HttpStatusCode.OK);

        // 90% on air: Scale 2's target range 88–92 scores 0 (Scale 1 would give ≤91 → 3).
        await PostAsync(tenant, R("spo2-air", "spo2", 90, T.AddMinutes(-20)), R("o2-air", "oxygen_supplement", false, T.AddMinutes(-20)));
        var onAir = await LatestAsync(tenant);
        Parameter(onAir, "spo2").Points.ShouldBe(0);
        onAir.GetProperty("score").GetInt32().ShouldBe(0);

        // 96% on oxygen: Scale 2 scores 95–96 on oxygen 2, plus 2 for oxygen (Scale 1 would give 0 for 96%).
        await PostAsync(tenant, R("spo2-o2", "spo2", 96, T), R("o2-o2", "oxygen_supplement", true, T));
        var onOxygen = await LatestAsync(tenant);
        Parameter(onOxygen, "spo2").Points.ShouldBe(2);
        Parameter(onOxygen, "air_or_oxygen").ShouldSatisfyAllConditions(p => p.Value.GetString().ShouldBe("oxygen"), p => p.Points.ShouldBe(2));
        onOxygen.GetProperty("score").GetInt32().ShouldBe(4);
        onOxygen.GetProperty("risk").GetString().ShouldBe("low");
    }

    [Fact]
    public async Task Parameters_without_a_reading_are_listed_missing_and_the_score_is_incomplete()
    {
        using var tenant = await TenantAsync("news2-missing");

        // Pulse 135 (≥131) scores 3: a single 3 with an aggregate under 5 is low-medium.
        await PostAsync(tenant, R("hr", "heart_rate", 135, T), R("temp", "temperature", 37.2, T), R("weight", "weight", 80, T));

        var score = await LatestAsync(tenant);
        score.GetProperty("score").GetInt32().ShouldBe(3);
        score.GetProperty("risk").GetString().ShouldBe("low-medium");
        score.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ShouldBe(["pulse", "temperature"]);
        Missing(score).ShouldBe(["respiration_rate", "spo2", "air_or_oxygen", "systolic_bp", "consciousness"]);
        score.GetProperty("complete").GetBoolean().ShouldBeFalse();
    }

    [Fact]
    public async Task A_patient_without_a_score_yet_answers_an_empty_score()
    {
        using var tenant = await TenantAsync("news2-none");
        await PostAsync(tenant, R("weight", "weight", 80, T));

        var score = await LatestAsync(tenant);
        score.GetProperty("score").GetInt32().ShouldBe(0);
        score.GetProperty("risk").GetString().ShouldBe("low");
        score.GetProperty("parameters").EnumerateObject().ShouldBeEmpty();
        Missing(score).Count.ShouldBe(7);
        score.GetProperty("complete").GetBoolean().ShouldBeFalse();
        score.GetProperty("at").ValueKind.ShouldBe(JsonValueKind.Null);
        (await HistoryAsync(tenant)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_later_reading_that_changes_the_score_adds_to_the_history_and_an_unchanged_one_does_not()
    {
        using var tenant = await TenantAsync("news2-history");
        await PostAsync(tenant, NormalRound("a", T.AddMinutes(-30)));
        (await LatestAsync(tenant)).GetProperty("score").GetInt32().ShouldBe(0);

        // Pulse 135 (≥131) → 3.
        await PostAsync(tenant, R("hr-high", "heart_rate", 135, T.AddMinutes(-20)));
        // The same pulse again, and a reading that is not a NEWS2 parameter: nothing changes.
        await PostAsync(tenant, R("hr-same", "heart_rate", 135, T.AddMinutes(-15)), R("weight", "weight", 80, T.AddMinutes(-15)));
        // Temperature 39.5 (≥39.1) → 2: 5, medium.
        await PostAsync(tenant, R("temp-high", "temperature", 39.5, T));

        var latest = await LatestAsync(tenant);
        latest.GetProperty("score").GetInt32().ShouldBe(5);
        latest.GetProperty("risk").GetString().ShouldBe("medium");
        latest.GetProperty("at").GetDateTimeOffset().ShouldBe(T);

        var history = await HistoryAsync(tenant);
        history.Select(h => h.GetProperty("score").GetInt32()).ShouldBe([5, 3, 0]);
        history.Select(h => h.GetProperty("at").GetDateTimeOffset()).ShouldBe([T, T.AddMinutes(-20), T.AddMinutes(-30)]);

        (await HistoryAsync(tenant, "?limit=1")).Select(h => h.GetProperty("score").GetInt32()).ShouldBe([5]);
        var to = Uri.EscapeDataString(T.ToString("O"));
        var from = Uri.EscapeDataString(T.AddMinutes(-20).ToString("O"));
        (await HistoryAsync(tenant, $"?from={from}&to={to}")).Select(h => h.GetProperty("score").GetInt32()).ShouldBe([3]);
    }

    [Fact]
    public async Task Only_readings_within_60_minutes_before_the_newest_count()
    {
        using var tenant = await TenantAsync("news2-window");

        // Respiration rate 30 (≥25 → 3) 61 minutes before the newest reading: outside the window.
        // Temperature 39.5 (≥39.1 → 2) exactly 60 minutes before: inside.
        await PostAsync(tenant,
            R("rr-old", "respiratory_rate", 30, T.AddMinutes(-61)),
            R("temp-edge", "temperature", 39.5, T.AddMinutes(-60)),
            R("hr", "heart_rate", 72, T));

        var score = await LatestAsync(tenant);
        Missing(score).ShouldContain("respiration_rate");
        Parameter(score, "temperature").Points.ShouldBe(2);
        score.GetProperty("score").GetInt32().ShouldBe(2);
    }

    [Fact]
    public async Task A_round_whose_readings_arrive_in_two_requests_leaves_one_score_for_its_moment()
    {
        using var tenant = await TenantAsync("news2-moment");
        await PostAsync(tenant, R("before", "heart_rate", 80, T.AddMinutes(-10)));
        var round = NormalRound("m", T);

        await PostAsync(tenant, round[..3]);
        await PostAsync(tenant, round[3..]);

        var history = await HistoryAsync(tenant);
        history.Select(h => h.GetProperty("at").GetDateTimeOffset()).ShouldBe([T, T.AddMinutes(-10)]);
        history[0].GetProperty("complete").GetBoolean().ShouldBeTrue();
        history[0].GetProperty("score").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_late_reading_yields_the_correct_current_score()
    {
        using var tenant = await TenantAsync("news2-late");
        await PostAsync(tenant, NormalRound("a", T));

        // Arriving late, observed before the round's own 16/min: not the latest respiration rate, so the score stays 0.
        await PostAsync(tenant, R("rr-late", "respiratory_rate", 8, T.AddMinutes(-30)));
        (await LatestAsync(tenant)).GetProperty("score").GetInt32().ShouldBe(0);

        // Observed after the round: it is the latest, and 8/min (≤8) scores 3.
        await PostAsync(tenant, R("rr-later", "respiratory_rate", 8, T.AddMinutes(1)));
        (await LatestAsync(tenant)).GetProperty("score").GetInt32().ShouldBe(3);

        // Observed long before: outside the window of the newest reading, it changes nothing.
        await PostAsync(tenant, R("hr-ancient", "heart_rate", 150, T.AddHours(-3)));
        (await LatestAsync(tenant)).GetProperty("score").GetInt32().ShouldBe(3);
        (await HistoryAsync(tenant)).Count.ShouldBe(2);
    }

    [Fact]
    public async Task Another_customers_scores_are_not_seen()
    {
        using var mine = await TenantAsync("news2-mine");
        using var theirs = await TenantAsync("news2-theirs");
        await PostAsync(mine, R("hr", "heart_rate", 135, T));
        (await LatestAsync(mine)).GetProperty("score").GetInt32().ShouldBe(3);

        // Both customers have a patient "p"; the other's has no score.
        (await LatestAsync(theirs)).GetProperty("at").ValueKind.ShouldBe(JsonValueKind.Null);
        (await HistoryAsync(theirs)).ShouldBeEmpty();

        (await mine.Admin.PostJsonAsync("/api/v1/patients", new { id = "only-mine", name = "Mo" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await (await theirs.Admin.Get("/api/v1/patients/only-mine/news2")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await theirs.Admin.Get("/api/v1/patients/only-mine/news2/history")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await mine.Admin.Get("/api/v1/patients/nobody/news2")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        using var system = fixture.Server.Client(fixture.Server.AdminKey);
        (await system.Get("/api/v1/patients/p/news2")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await mine.Device.Get("/api/v1/patients/p/news2")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Theory]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=1001", "limit")]
    [InlineData("?limit=ten", "limit")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?to=2026-01-01T00:00:00", "to")]
    public async Task Invalid_history_queries_are_refused_naming_the_field(string query, string field)
    {
        using var tenant = await TenantAsync("news2-invalid");

        var problem = await (await tenant.Admin.Get($"/api/v1/patients/p/news2/history{query}")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        problem.Errors().Select(e => e.Field).ShouldBe([field]);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : News2Tests(fixture), IClassFixture<ServerFixture>
    {
        // The patient index (ReadingIndexer) is the SQLite store's; PostgreSQL reads readings by patient without one.
        [Fact]
        public async Task Readings_already_in_the_patient_index_and_in_its_unindexed_tail_are_scored_together()
        {
            using var tenant = await TenantAsync("news2-indexed");
            await PostAsync(tenant, R("rr", "respiratory_rate", 22, T.AddMinutes(-10)), R("hr", "heart_rate", 135, T.AddMinutes(-10)));
            await Fixture.Server.Services.GetRequiredService<ReadingIndexer>().IndexPendingAsync(Ct);

            // RR 22 → 2 and pulse 135 → 3 from the index, temperature 39.5 → 2 from the tail: 7, high.
            await PostAsync(tenant, R("temp", "temperature", 39.5, T));

            var score = await LatestAsync(tenant);
            score.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ShouldBe(["respiration_rate", "pulse", "temperature"]);
            score.GetProperty("score").GetInt32().ShouldBe(7);
            score.GetProperty("risk").GetString().ShouldBe("high");

            // The newest reading now indexed, a late one in the tail: RR 8 (≤8 → 3) replaces RR 22, so 3 + 3 + 2 = 8.
            await Fixture.Server.Services.GetRequiredService<ReadingIndexer>().IndexPendingAsync(Ct);
            await PostAsync(tenant, R("rr-late", "respiratory_rate", 8, T.AddMinutes(-5)));
            var late = await LatestAsync(tenant);
            late.GetProperty("score").GetInt32().ShouldBe(8);
            late.GetProperty("at").GetDateTimeOffset().ShouldBe(T);
        }
    }

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : News2Tests(fixture), IClassFixture<DistributedServerFixture>;
}

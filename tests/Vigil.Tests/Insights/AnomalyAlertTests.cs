using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Insights;

/// <summary>
/// Personal baselines and anomaly alerts end to end: readings posted over HTTP, enriched, folded into each patient's
/// baseline by the analyzer, compared with the anomaly rules configured over the API, alerts read through the API and
/// from the alerts topic. Event times are set by the tests; waits are on the analyzer having committed the readings.
/// </summary>
public abstract class AnomalyAlertTests(ServerFixture fixture)
{
    // Whole minutes, two hours back: room for an hour of readings without passing the future limit.
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds() / 60 * 60);

    private VigilDatabase Db => fixture.Database;

    private Analyzer Analyzer => fixture.Server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();

    private async Task<Tenant> TenantAsync(string name) =>
        await Tenant.CreateAsync(fixture.Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    private static object R(string id, string type, double value, DateTimeOffset at, string patientId = "p") =>
        new { id, patientId, type, value, observedAt = at.ToString("O") };

    /// <summary>Two heart-rate readings a minute (at :10 and :40), <paramref name="value"/> ± 1, for minutes [from, to).</summary>
    private static IEnumerable<object> Minutes(string prefix, int from, int to, Func<int, double> value, string patientId = "p") =>
        Enumerable.Range(from, to - from).SelectMany(m => new[]
        {
            R($"{prefix}-{m}a", "heart_rate", value(m) - 1, T.AddMinutes(m).AddSeconds(10), patientId),
            R($"{prefix}-{m}b", "heart_rate", value(m) + 1, T.AddMinutes(m).AddSeconds(40), patientId),
        });

    /// <summary>Posts readings and waits until the analyzer has committed each of them.</summary>
    private async Task PostAsync(Tenant tenant, IEnumerable<object> readings)
    {
        var list = readings.ToList();
        var handled = list.Select(r => Analyzer.WhenHandled(tenant.Id, (string)r.GetType().GetProperty("id")!.GetValue(r)!)).ToList();
        (await tenant.Device.PostJsonAsync("/api/v1/readings", list)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(60), Http.Ct);
    }

    private static async Task<List<JsonElement>> AlertsAsync(Tenant tenant, string query = "") =>
        (await (await tenant.Admin.Get($"/api/v1/alerts{query}")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();

    private static async Task<Dictionary<string, JsonElement>> BaselinesAsync(Tenant tenant, string patientId = "p") =>
        (await (await tenant.Admin.Get($"/api/v1/patients/{patientId}/baselines")).ShouldBeAsync(HttpStatusCode.OK))
            .EnumerateArray().ToDictionary(b => b.GetProperty("type").GetString()!);

    [Fact]
    public async Task A_sustained_deviation_from_the_patients_own_baseline_raises_an_anomaly_alert_that_resolves_when_it_returns()
    {
        using var tenant = await TenantAsync("anomaly-life");
        var rule = await (await tenant.Admin.PutJsonAsync("/api/v1/anomaly-rules",
            new { scope = new { patientId = "p" }, rules = new[] { new { type = "heart_rate", k = 4.0, minutes = 3, warmupMinutes = 10 } } }))
            .ShouldBeAsync(HttpStatusCode.OK);
        rule.GetProperty("rules")[0].GetProperty("severity").GetString().ShouldBe("medium");

        // An athlete's pulse of 45 for 20 minutes, within the default limits (41-130) and so no threshold alert; then
        // 60 for five minutes (7.5 spreads of the 2 /min floor above the baseline), then back to 45.
        await PostAsync(tenant, Minutes("base", 0, 20, _ => 45));
        (await AlertsAsync(tenant)).ShouldBeEmpty();
        await PostAsync(tenant, Minutes("high", 20, 25, _ => 60).Concat(Minutes("back", 25, 27, _ => 45)));

        // Minutes are observed at their start once complete: 20, 21 and 22 breach, so the alert is raised by minute 22.
        var alert = (await AlertsAsync(tenant)).ShouldHaveSingleItem();
        alert.GetProperty("rule").GetString().ShouldBe("anomaly:heart_rate");
        alert.GetProperty("kind").GetString().ShouldBe("anomaly");
        alert.GetProperty("severity").GetString().ShouldBe("medium");
        alert.GetProperty("status").GetString().ShouldBe("active");
        alert.GetProperty("firstAt").GetDateTimeOffset().ShouldBe(T.AddMinutes(20));
        alert.GetProperty("lastAt").GetDateTimeOffset().ShouldBe(T.AddMinutes(24));
        alert.GetProperty("breaches").GetInt32().ShouldBe(3);
        alert.GetProperty("value").GetDouble().ShouldBe(60);
        // The alert shows the latest breach, minute 24. The median of the last five minutes turned to 60 at minute 22,
        // and from then each minute pulled the level one spread (2) with weight 1/n: 45 + 2/23 + 2/24.
        alert.GetProperty("message").GetString().ShouldBe("heart_rate 60 /min (minute mean) is 7.4 spreads above the patient's baseline 45.2 /min");
        var details = alert.GetProperty("details");
        details.GetProperty("baseline").GetDouble().ShouldBe(45 + (2.0 / 23) + (2.0 / 24), 1e-9);
        details.GetProperty("deviation").GetDouble().ShouldBe((60 - (45 + (2.0 / 23) + (2.0 / 24))) / 2, 1e-9);
        details.GetProperty("minute").GetDateTimeOffset().ShouldBe(T.AddMinutes(24));
        details.GetProperty("spread").GetDouble().ShouldBe(2);
        details.GetProperty("k").GetDouble().ShouldBe(4);
        details.GetProperty("source").GetString().ShouldBe("patient");

        // Clear from minute 25; resolved once clear for five minutes (Alerts:AutoResolveAfter), by minute 30.
        await PostAsync(tenant, Minutes("later", 27, 32, _ => 45));
        var id = alert.GetProperty("id").GetString()!;
        var resolved = await (await tenant.Admin.Get($"/api/v1/alerts/{id}")).ShouldBeAsync(HttpStatusCode.OK);
        resolved.GetProperty("alert").GetProperty("status").GetString().ShouldBe("resolved");
        resolved.GetProperty("alert").GetProperty("resolvedBy").GetString().ShouldBe("system");
        (await AlertsAsync(tenant)).ShouldHaveSingleItem();

        Db.Log("alerts", $"{tenant.Id}/p").Where(m => m.Body.GetProperty("alert").GetProperty("id").GetString() == id)
            .Select(m => m.Envelope.GetProperty("type").GetString()).ShouldBe(["alert.created", "alert.resolved"]);

        // The baseline learned little from the five odd minutes: it moves at most one spread an hour toward them.
        var baseline = (await BaselinesAsync(tenant))["heart_rate"];
        baseline.GetProperty("level").GetDouble().ShouldBeInRange(45, 45.5);
        baseline.GetProperty("minutes").GetInt32().ShouldBe(31);
        baseline.GetProperty("scale").GetDouble().ShouldBe(2);
        baseline.GetProperty("unit").GetString().ShouldBe("/min");
        baseline.GetProperty("openMinute").GetDateTimeOffset().ShouldBe(T.AddMinutes(31));
    }

    [Fact]
    public async Task Without_an_anomaly_rule_the_baseline_is_kept_but_no_anomaly_alert_is_raised()
    {
        using var tenant = await TenantAsync("anomaly-off");

        await PostAsync(tenant, Minutes("base", 0, 20, _ => 45).Concat(Minutes("high", 20, 30, _ => 60)));

        (await AlertsAsync(tenant)).ShouldBeEmpty();
        var baseline = (await BaselinesAsync(tenant))["heart_rate"];
        baseline.GetProperty("minutes").GetInt32().ShouldBe(29);
        baseline.GetProperty("recent").EnumerateArray().Select(v => v.GetDouble()).ShouldBe([60, 60, 60, 60, 60]);
    }

    [Fact]
    public async Task A_department_rule_applies_to_its_patients_and_a_change_applies_to_the_next_minute()
    {
        using var tenant = await TenantAsync("anomaly-scope");
        (await tenant.Admin.PostJsonAsync($"/api/v1/customers/{tenant.Id}/departments", new { id = "icu", name = "ICU" })).EnsureSuccessStatusCode();
        (await tenant.Admin.PutJsonAsync("/api/v1/patients/p", new { name = "Pat", departmentId = "icu" })).EnsureSuccessStatusCode();
        (await tenant.Admin.PutJsonAsync("/api/v1/anomaly-rules",
            new { scope = new { departmentId = "icu" }, rules = new[] { new { type = "heart_rate", k = 10.0, minutes = 2, warmupMinutes = 10 } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        await PostAsync(tenant, Minutes("base", 0, 20, _ => 70).Concat(Minutes("high", 20, 24, _ => 85)));
        (await AlertsAsync(tenant)).ShouldBeEmpty("7.5 spreads is within the department's k = 10");

        (await tenant.Admin.PutJsonAsync("/api/v1/anomaly-rules",
            new { scope = new { patientId = "p" }, rules = new[] { new { type = "heart_rate", k = 5.0, minutes = 2, warmupMinutes = 10, severity = "high" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        await PostAsync(tenant, Minutes("more", 24, 27, _ => 85));

        var alert = (await AlertsAsync(tenant)).ShouldHaveSingleItem();
        alert.GetProperty("severity").GetString().ShouldBe("high");
        alert.GetProperty("departmentId").GetString().ShouldBe("icu");
        alert.GetProperty("details").GetProperty("source").GetString().ShouldBe("patient");

        var effective = await (await tenant.Admin.Get("/api/v1/anomaly-rules/effective?patientId=p")).ShouldBeAsync(HttpStatusCode.OK);
        var rule = effective.GetProperty("rules").EnumerateArray().ShouldHaveSingleItem();
        rule.GetProperty("source").GetString().ShouldBe("patient");
        rule.GetProperty("k").GetDouble().ShouldBe(5);
        var listed = await (await tenant.Admin.Get("/api/v1/anomaly-rules")).ShouldBeAsync(HttpStatusCode.OK);
        listed.GetProperty("items").GetArrayLength().ShouldBe(2);
        listed.GetProperty("defaults").GetProperty("k").GetDouble().ShouldBe(4);
        Db.Log("reference.changes").Count(m => m.Body.GetProperty("customerId").GetString() == tenant.Id
            && m.Envelope.GetProperty("type").GetString() == "anomaly_rules.replaced").ShouldBe(2);
    }

    [Fact]
    public async Task A_baseline_read_back_from_the_store_continues_exactly_as_one_kept_in_memory()
    {
        using var tenant = await TenantAsync("anomaly-restore");
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "q", name = "Quinn" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        Func<int, double> pulse = m => 60 + (m % 7) + (m * 0.3);

        // p in one request; q in pieces that split minutes, with the analyzer's cached baselines dropped in between,
        // so each piece starts from the stored row and the open minute's stored 1m aggregate.
        await PostAsync(tenant, Minutes("one", 0, 40, pulse));
        var all = Minutes("piece", 0, 40, pulse, "q").ToList();
        foreach (var piece in all.Chunk(13))
        {
            fixture.Server.Services.GetRequiredService<BaselineTracker>().Forget();
            await PostAsync(tenant, piece);
        }

        var p = (await BaselinesAsync(tenant, "p"))["heart_rate"];
        var q = (await BaselinesAsync(tenant, "q"))["heart_rate"];
        foreach (var field in new[] { "level", "spread", "minutes" })
        {
            q.GetProperty(field).GetDouble().ShouldBe(p.GetProperty(field).GetDouble(), 1e-9, field);
        }

        q.GetProperty("recent").GetRawText().ShouldBe(p.GetProperty("recent").GetRawText());
        q.GetProperty("minutes").GetInt32().ShouldBe(39);
    }

    [Fact]
    public async Task Bad_anomaly_rule_requests_are_refused_with_the_field_and_nothing_is_stored()
    {
        using var tenant = await TenantAsync("anomaly-bad");
        using var other = await TenantAsync("anomaly-other");
        var before = Db.TenantRows(tenant.Id);

        async Task<IReadOnlyList<(int? Index, string Field)>> Refused(object body, HttpStatusCode status = HttpStatusCode.UnprocessableEntity) =>
            (await (await tenant.Admin.PutJsonAsync("/api/v1/anomaly-rules", body)).ShouldBeProblemAsync(status)).Errors();

        (await Refused(new { rules = Array.Empty<object>() })).ShouldBe([(null, "scope")]);
        (await Refused(new { scope = new { patientId = "p" }, rules = new[] { new { type = "heart_rate", k = 0.5 } } })).ShouldBe([(null, "rules[0].k")]);
        (await Refused(new { scope = new { patientId = "p" }, rules = new[] { new { type = "consciousness", k = 4.0 } } })).ShouldBe([(null, "rules[0].type")]);
        (await Refused(new { scope = new { patientId = "p" }, rules = new[] { new { type = "spo2", minutes = 0 } } })).ShouldBe([(null, "rules[0].minutes")]);
        (await Refused(new { scope = new { patientId = "p" }, rules = new[] { new { type = "spo2", warmupMinutes = 1 } } })).ShouldBe([(null, "rules[0].warmupMinutes")]);
        (await Refused(new { scope = new { patientId = "p" }, rules = new[] { new { type = "spo2", severity = "dire" } } })).ShouldBe([(null, "rules[0].severity")]);
        (await Refused(new { scope = new { patientId = "nobody" }, rules = Array.Empty<object>() })).ShouldBe([(null, "scope.patientId")]);
        (await Refused(new { scope = new { customerId = other.Id }, rules = Array.Empty<object>() })).ShouldBe([(null, "scope.customerId")]);
        await (await tenant.Admin.PutJsonAsync("/api/v1/anomaly-rules", new { scope = new { patientId = "p" }, rules = new[] { new { type = "spo2", k = "x" } } }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        (await tenant.Device.PutJsonAsync("/api/v1/anomaly-rules", new { scope = new { patientId = "p" }, rules = Array.Empty<object>() }))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        Db.TenantRows(tenant.Id).ShouldBe(before);
        await (await tenant.Admin.Get("/api/v1/anomaly-rules/effective?patientId=nobody")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await tenant.Admin.Get("/api/v1/patients/nobody/baselines")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : AnomalyAlertTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : AnomalyAlertTests(fixture), IClassFixture<DistributedServerFixture>;
}

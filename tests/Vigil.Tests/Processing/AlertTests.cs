using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>
/// Alerts end to end: readings posted over HTTP, enriched, evaluated against thresholds and NEWS2, alerts read and acted
/// on through the API. Event times are set by the tests, so clearing and sustain times are exact; waits are on the
/// consumers having committed the readings, never on the clock.
/// </summary>
public abstract class AlertTests(ServerFixture fixture)
{
    // Whole seconds, thirty minutes back: room for readings up to 35 minutes later without passing the future limit.
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeSeconds());

    private VigilDatabase Db => fixture.Database;

    private T Member<T>() where T : LogConsumerService =>
        fixture.Server.Services.GetServices<IHostedService>().OfType<T>().Single();

    private async Task<Tenant> TenantAsync(string name) =>
        await Tenant.CreateAsync(fixture.Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    private static object R(string id, string type, object value, DateTimeOffset at, string patientId = "p") =>
        new { id, patientId, type, value, observedAt = at.ToString("O") };

    /// <summary>Posts readings and waits until the analyze role (thresholds and NEWS2) has committed each of them.</summary>
    private async Task PostAsync(Tenant tenant, params object[] readings)
    {
        var ids = readings.Select(r => (string)r.GetType().GetProperty("id")!.GetValue(r)!).ToList();
        var handled = ids.Select(id => Member<Analyzer>().WhenHandled(tenant.Id, id)).ToList();
        (await tenant.Device.PostJsonAsync("/api/v1/readings", readings)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
    }

    private static async Task<List<JsonElement>> AlertsAsync(Tenant tenant, string query = "") =>
        (await (await tenant.Admin.Get($"/api/v1/alerts{query}")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();

    /// <summary>The alerts of one vital type's threshold rule (a vital that scores 3 on NEWS2 also raises a NEWS2 alert).</summary>
    private static Task<List<JsonElement>> ThresholdAlertsAsync(Tenant tenant, string type, string query = "") =>
        AlertsAsync(tenant, $"?rule=threshold:{type}" + (query.Length > 0 ? "&" + query : ""));

    private static async Task<JsonElement> AlertAsync(Tenant tenant, string id) =>
        await (await tenant.Admin.Get($"/api/v1/alerts/{id}")).ShouldBeAsync(HttpStatusCode.OK);

    private static List<string> Transitions(JsonElement withTransitions) =>
        withTransitions.GetProperty("transitions").EnumerateArray().Select(t => t.GetProperty("transition").GetString()!).ToList();

    [Fact]
    public async Task A_breach_raises_one_alert_that_repeated_breaches_update_and_that_resolves_once_clear_for_the_set_time()
    {
        using var tenant = await TenantAsync("alert-life");

        await PostAsync(tenant, R("hr1", "heart_rate", 150, T));
        await PostAsync(tenant, R("hr2", "heart_rate", 165, T.AddMinutes(1)));

        var alert = (await ThresholdAlertsAsync(tenant, "heart_rate")).ShouldHaveSingleItem();
        alert.GetProperty("rule").GetString().ShouldBe("threshold:heart_rate");
        alert.GetProperty("kind").GetString().ShouldBe("threshold");
        alert.GetProperty("severity").GetString().ShouldBe("high");
        alert.GetProperty("status").GetString().ShouldBe("active");
        alert.GetProperty("breaches").GetInt32().ShouldBe(2);
        alert.GetProperty("value").GetDouble().ShouldBe(165);
        alert.GetProperty("firstAt").GetDateTimeOffset().ShouldBe(T);
        alert.GetProperty("lastAt").GetDateTimeOffset().ShouldBe(T.AddMinutes(1));
        alert.GetProperty("message").GetString().ShouldBe("heart_rate 165 /min is above the high limit 130 /min");
        alert.GetProperty("details").GetProperty("source").GetString().ShouldBe("default");
        alert.GetProperty("details").GetProperty("readingId").GetString().ShouldBe("hr2");

        // Clear at +2 min; still open at +6 min (4 minutes clear); resolved at +7 min, five minutes after it cleared.
        await PostAsync(tenant, R("hr3", "heart_rate", 80, T.AddMinutes(2)), R("hr4", "heart_rate", 82, T.AddMinutes(6)));
        (await ThresholdAlertsAsync(tenant, "heart_rate", "status=active")).ShouldHaveSingleItem();
        await PostAsync(tenant, R("hr5", "heart_rate", 81, T.AddMinutes(7)));

        var id = alert.GetProperty("id").GetString()!;
        var resolved = await AlertAsync(tenant, id);
        resolved.GetProperty("alert").GetProperty("status").GetString().ShouldBe("resolved");
        resolved.GetProperty("alert").GetProperty("resolvedBy").GetString().ShouldBe("system");
        Transitions(resolved).ShouldBe(["created", "resolved"]);
        (await ThresholdAlertsAsync(tenant, "heart_rate", "status=open")).ShouldBeEmpty();

        Db.Log("alerts", $"{tenant.Id}/p").Where(m => m.Body.GetProperty("alert").GetProperty("id").GetString() == id)
            .Select(m => m.Envelope.GetProperty("type").GetString()).ShouldBe(["alert.created", "alert.resolved"]);

        // A new breach after resolution is a new alert.
        await PostAsync(tenant, R("hr6", "heart_rate", 30, T.AddMinutes(8)));
        var alerts = await ThresholdAlertsAsync(tenant, "heart_rate");
        alerts.Count.ShouldBe(2);
        alerts[0].GetProperty("message").GetString().ShouldBe("heart_rate 30 /min is below the low limit 41 /min");
    }

    [Fact]
    public async Task The_most_specific_threshold_wins_and_a_change_applies_to_the_very_next_reading()
    {
        using var tenant = await TenantAsync("alert-scope");
        (await tenant.Admin.PostJsonAsync($"/api/v1/customers/{tenant.Id}/departments", new { id = "icu", name = "ICU" })).EnsureSuccessStatusCode();
        (await tenant.Admin.PutJsonAsync("/api/v1/patients/p", new { name = "Pat", departmentId = "icu" })).EnsureSuccessStatusCode();

        (await tenant.Admin.PutJsonAsync("/api/v1/thresholds", new { scope = new { customerId = tenant.Id }, rules = new[] { new { type = "heart_rate", low = 40, high = 100 } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        var department = await (await tenant.Admin.PutJsonAsync("/api/v1/thresholds",
            new { scope = new { departmentId = "icu" }, rules = new[] { new { type = "heart_rate", low = 40, high = 110 } } })).ShouldBeAsync(HttpStatusCode.OK);
        department.GetProperty("scope").GetProperty("kind").GetString().ShouldBe("department");

        await PostAsync(tenant, R("a", "heart_rate", 105, T));
        (await AlertsAsync(tenant)).ShouldBeEmpty("105 is within the department's 110, which beats the customer's 100");

        (await tenant.Admin.PutJsonAsync("/api/v1/thresholds", new { scope = new { patientId = "p" }, rules = new[] { new { type = "heart_rate", low = 40, high = 100, severity = "medium" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        await PostAsync(tenant, R("b", "heart_rate", 105, T.AddMinutes(1)));

        var alert = (await AlertsAsync(tenant)).ShouldHaveSingleItem();
        alert.GetProperty("severity").GetString().ShouldBe("medium");
        alert.GetProperty("departmentId").GetString().ShouldBe("icu");
        alert.GetProperty("details").GetProperty("source").GetString().ShouldBe("patient");
        alert.GetProperty("details").GetProperty("high").GetDouble().ShouldBe(100);

        var effective = await (await tenant.Admin.Get("/api/v1/thresholds/effective?patientId=p")).ShouldBeAsync(HttpStatusCode.OK);
        var rules = effective.GetProperty("rules").EnumerateArray().ToDictionary(r => r.GetProperty("type").GetString()!);
        rules["heart_rate"].GetProperty("source").GetString().ShouldBe("patient");
        rules["spo2"].GetProperty("source").GetString().ShouldBe("default");
        var listed = await (await tenant.Admin.Get("/api/v1/thresholds")).ShouldBeAsync(HttpStatusCode.OK);
        listed.GetProperty("items").GetArrayLength().ShouldBe(3);
        Db.Log("reference.changes").Count(m => m.Body.GetProperty("customerId").GetString() == tenant.Id
            && m.Envelope.GetProperty("type").GetString() == "thresholds.replaced").ShouldBe(3);
    }

    [Fact]
    public async Task A_sustained_rule_raises_only_once_the_breach_has_lasted_its_time()
    {
        using var tenant = await TenantAsync("alert-sustain");
        (await tenant.Admin.PutJsonAsync("/api/v1/thresholds", new { scope = new { patientId = "p" }, rules = new[] { new { type = "spo2", low = 92, forSeconds = 120 } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        await PostAsync(tenant, R("s1", "spo2", 88, T), R("s2", "spo2", 87, T.AddSeconds(60)), R("s3", "spo2", 95, T.AddSeconds(90)));
        await PostAsync(tenant, R("s4", "spo2", 89, T.AddSeconds(100)), R("s5", "spo2", 88, T.AddSeconds(200)));
        (await ThresholdAlertsAsync(tenant, "spo2")).ShouldBeEmpty("the breach restarted at +100 s and has lasted 100 s of the 120");

        await PostAsync(tenant, R("s6", "spo2", 86, T.AddSeconds(220)));
        var alert = (await ThresholdAlertsAsync(tenant, "spo2")).ShouldHaveSingleItem();
        alert.GetProperty("firstAt").GetDateTimeOffset().ShouldBe(T.AddSeconds(100));
    }

    [Fact]
    public async Task News2_medium_raises_an_urgent_alert_that_escalates_to_emergency_when_high_and_resolves_when_low()
    {
        using var tenant = await TenantAsync("alert-news2");
        // Scale 1: RR 22 (2), SpO2 95 (1), air (0), SBP 105 (1), HR 95 (1), A (0), 37.0 (0) = 5: medium.
        await PostAsync(tenant,
            R("m-rr", "respiratory_rate", 22, T), R("m-spo2", "spo2", 95, T), R("m-o2", "oxygen_supplement", false, T),
            R("m-sbp", "systolic_bp", 105, T), R("m-hr", "heart_rate", 95, T), R("m-c", "consciousness", "A", T), R("m-t", "temperature", 37.0, T));

        var alert = (await AlertsAsync(tenant, "?patientId=p&rule=news2")).ShouldHaveSingleItem();
        alert.GetProperty("rule").GetString().ShouldBe("news2");
        alert.GetProperty("severity").GetString().ShouldBe("urgent");
        alert.GetProperty("value").GetDouble().ShouldBe(5);
        alert.GetProperty("details").GetProperty("risk").GetString().ShouldBe("medium");

        // New confusion (3) lifts it to 8: high.
        await PostAsync(tenant, R("h-c", "consciousness", "C", T.AddMinutes(1)));
        var escalated = await AlertAsync(tenant, alert.GetProperty("id").GetString()!);
        escalated.GetProperty("alert").GetProperty("severity").GetString().ShouldBe("emergency");
        escalated.GetProperty("alert").GetProperty("value").GetDouble().ShouldBe(8);
        Transitions(escalated).ShouldBe(["created", "escalated"]);

        // A normal round at +2 min scores 0; five minutes later the alert resolves.
        object[] Normal(string prefix, DateTimeOffset at) =>
        [
            R($"{prefix}-rr", "respiratory_rate", 16, at), R($"{prefix}-spo2", "spo2", 97, at), R($"{prefix}-o2", "oxygen_supplement", false, at),
            R($"{prefix}-sbp", "systolic_bp", 120, at), R($"{prefix}-hr", "heart_rate", 80, at), R($"{prefix}-c", "consciousness", "A", at),
            R($"{prefix}-t", "temperature", 37.0, at),
        ];
        await PostAsync(tenant, Normal("n1", T.AddMinutes(2)));
        (await AlertsAsync(tenant, "?rule=news2&status=open")).Count.ShouldBe(1);
        await PostAsync(tenant, Normal("n2", T.AddMinutes(7)));
        (await AlertsAsync(tenant, "?rule=news2&status=open")).ShouldBeEmpty();
    }

    [Fact]
    public async Task Clinicians_acknowledge_and_resolve_alerts_and_every_transition_records_who_and_when()
    {
        using var tenant = await TenantAsync("alert-act");
        using var clinician = fixture.Server.Client(await fixture.Server.CreateKeyAsync(tenant.Id, "clinician"));
        using var viewer = fixture.Server.Client(await fixture.Server.CreateKeyAsync(tenant.Id, "viewer"));
        await PostAsync(tenant, R("x1", "respiratory_rate", 30, T));
        var id = (await ThresholdAlertsAsync(tenant, "respiratory_rate")).ShouldHaveSingleItem().GetProperty("id").GetString()!;

        (await viewer.PostJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var acknowledged = await (await clinician.PostJsonAsync($"/api/v1/alerts/{id}/acknowledge", new { note = "seen, reviewing" }))
            .ShouldBeAsync(HttpStatusCode.OK);
        acknowledged.GetProperty("status").GetString().ShouldBe("acknowledged");
        var clinicianId = acknowledged.GetProperty("acknowledgedBy").GetString()!;
        clinicianId.ShouldNotBe("system");
        (await clinician.PostAsync($"/api/v1/alerts/{id}/acknowledge", null, Http.Ct)).StatusCode.ShouldBe(HttpStatusCode.OK, "acknowledging twice changes nothing");

        // Further breaches update the acknowledged alert; they do not reopen or duplicate it.
        await PostAsync(tenant, R("x2", "respiratory_rate", 32, T.AddMinutes(1)));
        var updated = (await ThresholdAlertsAsync(tenant, "respiratory_rate")).ShouldHaveSingleItem();
        updated.GetProperty("status").GetString().ShouldBe("acknowledged");
        updated.GetProperty("breaches").GetInt32().ShouldBe(2);

        var resolved = await (await tenant.Admin.PostAsync($"/api/v1/alerts/{id}/resolve", null, Http.Ct)).ShouldBeAsync(HttpStatusCode.OK);
        resolved.GetProperty("status").GetString().ShouldBe("resolved");
        (await (await clinician.PostAsync($"/api/v1/alerts/{id}/resolve", null, Http.Ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict))
            .GetProperty("detail").GetString().ShouldBe($"Alert '{id}' is already resolved.");
        await (await clinician.PostAsync($"/api/v1/alerts/{id}/acknowledge", null, Http.Ct)).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        await (await clinician.PostAsync("/api/v1/alerts/no-such-alert/resolve", null, Http.Ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        var history = await AlertAsync(tenant, id);
        var transitions = history.GetProperty("transitions").EnumerateArray().ToList();
        transitions.Select(t => (t.GetProperty("transition").GetString(), t.GetProperty("by").GetString()))
            .ShouldBe([("created", "system"), ("acknowledged", clinicianId), ("resolved", resolved.GetProperty("resolvedBy").GetString())]);
        transitions[1].GetProperty("note").GetString().ShouldBe("seen, reviewing");
        transitions.ShouldAllBe(t => t.GetProperty("at").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddMinutes(-5));
        Db.Log("alerts", $"{tenant.Id}/p").Where(m => m.Body.GetProperty("alert").GetProperty("id").GetString() == id)
            .Select(m => m.Envelope.GetProperty("type").GetString()).ShouldBe(["alert.created", "alert.acknowledged", "alert.resolved"]);

        // The condition persists after a manual resolve: the next breach is a new alert.
        await PostAsync(tenant, R("x3", "respiratory_rate", 31, T.AddMinutes(2)));
        (await ThresholdAlertsAsync(tenant, "respiratory_rate", "status=active")).ShouldHaveSingleItem().GetProperty("id").GetString().ShouldNotBe(id);
    }

    [Fact]
    public async Task Bad_threshold_requests_are_refused_with_the_field_and_nothing_is_stored()
    {
        using var tenant = await TenantAsync("alert-bad");
        using var other = await TenantAsync("alert-other");
        var before = Db.TenantRows(tenant.Id);

        async Task<IReadOnlyList<(int? Index, string Field)>> Refused(object body, HttpStatusCode status = HttpStatusCode.UnprocessableEntity) =>
            (await (await tenant.Admin.PutJsonAsync("/api/v1/thresholds", body)).ShouldBeProblemAsync(status)).Errors();

        (await Refused(new { scope = new { customerId = tenant.Id, patientId = "p" }, rules = Array.Empty<object>() })).ShouldBe([(null, "scope")]);
        (await Refused(new { rules = Array.Empty<object>() })).ShouldBe([(null, "scope")]);
        (await Refused(new { scope = new { patientId = "p" }, rules = new[] { new { type = "heart_rate", low = 120, high = 60 } } }))
            .ShouldBe([(null, "rules[0].high")]);
        (await Refused(new { scope = new { patientId = "nobody" }, rules = Array.Empty<object>() })).ShouldBe([(null, "scope.patientId")]);
        (await Refused(new { scope = new { customerId = other.Id }, rules = Array.Empty<object>() })).ShouldBe([(null, "scope.customerId")]);
        await (await tenant.Admin.PutJsonAsync("/api/v1/thresholds", new { scope = new { patientId = "p" }, rules = new[] { new { type = "heart_rate", low = "x" } } }))
            .ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        (await tenant.Device.PutJsonAsync("/api/v1/thresholds", new { scope = new { patientId = "p" }, rules = Array.Empty<object>() }))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        Db.TenantRows(tenant.Id).ShouldBe(before);
        await (await tenant.Admin.Get("/api/v1/alerts?status=closed")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await tenant.Admin.Get("/api/v1/thresholds/effective?patientId=nobody")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : AlertTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : AlertTests(fixture), IClassFixture<DistributedServerFixture>;
}

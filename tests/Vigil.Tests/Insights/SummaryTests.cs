using System.Net;
using System.Text.Json;
using Vigil.Tests.Infrastructure;
using static Vigil.Tests.Insights.Readings;

namespace Vigil.Tests.Insights;

/// <summary>GET /api/v1/patients/{id}/summary without an LLM: the facts of the last 24 hours and the deterministic text.</summary>
public abstract class SummaryTests(ServerFixture fixture)
{
    [Fact]
    public async Task The_summary_holds_the_last_24_hours_as_facts_and_as_deterministic_text()
    {
        using var tenant = await Tenant.CreateAsync(fixture.Server, "summary-" + Guid.NewGuid().ToString("N")[..6]);
        var t = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-55).ToUnixTimeSeconds());
        (await tenant.Device.PostJsonAsync("/api/v1/events", new[]
        {
            new { eventId = "e1", patientId = "p", type = "note", data = new { text = "slept well" }, ts = t.ToString("O") },
            new { eventId = "e2", patientId = "p", type = "note", data = new { text = "ate lunch" }, ts = t.AddMinutes(5).ToString("O") },
        })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await PostAsync(fixture.Server, tenant,
            R("h1", "heart_rate", 80, t), R("h2", "heart_rate", 91, t.AddMinutes(10)), R("h3", "heart_rate", 102, t.AddMinutes(20)),
            R("h4", "heart_rate", 113, t.AddMinutes(30)), R("h5", "heart_rate", 124, t.AddMinutes(40)), R("h6", "heart_rate", 135, t.AddMinutes(50)),
            R("r1", "respiratory_rate", 18, t.AddMinutes(50)), R("s1", "spo2", 96, t.AddMinutes(50)),
            R("old", "heart_rate", 40, t.AddHours(-30)));

        var summary = await (await tenant.Admin.Get("/api/v1/patients/p/summary")).ShouldBeAsync(HttpStatusCode.OK);
        summary.GetProperty("writer").GetString().ShouldBe("deterministic");
        summary.GetProperty("fallbackReason").ValueKind.ShouldBe(JsonValueKind.Null, "no LLM is configured: nothing failed");
        (summary.GetProperty("to").GetDateTimeOffset() - summary.GetProperty("from").GetDateTimeOffset()).ShouldBe(TimeSpan.FromHours(24));
        var facts = summary.GetProperty("facts");
        var heartRate = facts.GetProperty("vitals").EnumerateArray().Single(v => v.GetProperty("type").GetString() == "heart_rate");
        (heartRate.GetProperty("readings").GetInt32(), heartRate.GetProperty("min").GetDouble(), heartRate.GetProperty("max").GetDouble(),
            heartRate.GetProperty("mean").GetDouble(), heartRate.GetProperty("latest").GetDouble()).ShouldBe((6, 80.0, 135.0, 107.5, 135.0), "the reading of 30 hours ago is not in the period");
        heartRate.GetProperty("trend").GetProperty("direction").GetString().ShouldBe("rising");
        heartRate.GetProperty("trend").GetProperty("slopePerHour").GetDouble().ShouldBe(66, 0.01, "11 /min every 10 minutes");
        facts.GetProperty("vitals").EnumerateArray().Select(v => v.GetProperty("type").GetString()).ShouldBe(["heart_rate", "respiratory_rate", "spo2"]);
        var news2 = facts.GetProperty("news2");
        news2.GetProperty("latest").GetProperty("score").GetInt32().ShouldBe(3, "heart rate 135 scores 3; respiration 18 and SpO2 96 score 0");
        var alerts = facts.GetProperty("alerts");
        alerts.GetProperty("raised").GetInt32().ShouldBeGreaterThanOrEqualTo(1, "135 /min is above the default limit");
        alerts.GetProperty("openNow").GetInt32().ShouldBeGreaterThanOrEqualTo(1);
        facts.GetProperty("events").EnumerateArray().Select(e => (e.GetProperty("type").GetString(), e.GetProperty("count").GetInt32())).ShouldBe([("note", 2)]);
        var text = summary.GetProperty("text").GetString()!;
        text.ShouldContain("Heart rate 80 to 135 /min, mean 107.5, latest 135 (6 readings), rising 66 /min per hour");
        text.ShouldContain("Clinical events: 2 note.");

        using var other = await Tenant.CreateAsync(fixture.Server, "summary-other-" + Guid.NewGuid().ToString("N")[..6]);
        var theirs = await (await other.Admin.Get("/api/v1/patients/p/summary")).ShouldBeAsync(HttpStatusCode.OK);
        theirs.GetProperty("facts").GetProperty("vitals").GetArrayLength().ShouldBe(0, "the other customer's p is another patient");
        await (await other.Admin.Get("/api/v1/patients/nobody/summary")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await tenant.Device.Get("/api/v1/patients/p/summary")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : SummaryTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : SummaryTests(fixture), IClassFixture<DistributedServerFixture>;
}

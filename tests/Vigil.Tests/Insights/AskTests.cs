using System.Net;
using System.Text.Json;
using Vigil.Tests.Infrastructure;
using static Vigil.Tests.Insights.Readings;

namespace Vigil.Tests.Insights;

/// <summary>POST /api/v1/ask on a real server with real data: answers from the caller's customer's data alone.</summary>
public abstract class AskTests(ServerFixture fixture)
{
    /// <summary>A ward with Ada Lovelace (p12) and an ICU with p7, whose NEWS2 is high and whose alerts are active.</summary>
    private async Task<Tenant> WardAsync(DateTimeOffset t, int heartRateOffset = 0)
    {
        var tenant = await Tenant.CreateAsync(fixture.Server, "ask-" + Guid.NewGuid().ToString("N")[..6]);
        (await tenant.Admin.PostJsonAsync($"/api/v1/customers/{tenant.Id}/departments", new { id = "ward-a", name = "Ward A" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await tenant.Admin.PostJsonAsync($"/api/v1/customers/{tenant.Id}/departments", new { id = "icu", name = "ICU" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p12", name = "Ada Lovelace", departmentId = "ward-a" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p7", name = "Grace Hopper", departmentId = "icu" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await PostAsync(fixture.Server, tenant,
            R("h1", "heart_rate", 70 + heartRateOffset, t, "p12"), R("h2", "heart_rate", 80 + heartRateOffset, t.AddMinutes(10), "p12"),
            R("h3", "heart_rate", 90 + heartRateOffset, t.AddMinutes(20), "p12"), R("h4", "heart_rate", 100 + heartRateOffset, t.AddMinutes(30), "p12"),
            R("r1", "respiratory_rate", 26, t.AddMinutes(30), "p7"), R("s1", "spo2", 90, t.AddMinutes(30), "p7"),
            R("r2", "respiratory_rate", 14, t.AddMinutes(30), "p12"), R("s2", "spo2", 97, t.AddMinutes(30), "p12"));
        return tenant;
    }

    private static async Task<JsonElement> AskAsync(Tenant tenant, string question) =>
        await (await tenant.Admin.PostJsonAsync("/api/v1/ask", new { question })).ShouldBeAsync(HttpStatusCode.OK);

    [Fact]
    public async Task A_patients_statistic_is_answered_with_the_query_it_ran_and_its_data()
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-45).ToUnixTimeSeconds());
        using var tenant = await WardAsync(t);

        var answer = await AskAsync(tenant, "average heart rate of patient p12 in the last hour?");
        answer.GetProperty("answered").GetBoolean().ShouldBeTrue(answer.ToString());
        answer.GetProperty("parser").GetString().ShouldBe("rules");
        var query = answer.GetProperty("query");
        (query.GetProperty("intent").GetString(), query.GetProperty("patient").GetString(), query.GetProperty("vital").GetString(), query.GetProperty("statistic").GetString())
            .ShouldBe(("vital_statistic", "p12", "heart_rate", "average"));
        (query.GetProperty("to").GetDateTimeOffset() - query.GetProperty("from").GetDateTimeOffset()).ShouldBe(TimeSpan.FromHours(1));
        answer.GetProperty("data").GetProperty("value").GetDouble().ShouldBe(85);
        answer.GetProperty("data").GetProperty("basis").GetProperty("readings").GetInt32().ShouldBe(4);
        answer.GetProperty("answer").GetString()!.ShouldContain("85 /min");

        (await AskAsync(tenant, "highest pulse of Ada Lovelace in the last 2 hours")).GetProperty("data").GetProperty("value").GetDouble().ShouldBe(100);
        (await AskAsync(tenant, "latest heart rate of p12")).GetProperty("data").GetProperty("value").GetDouble().ShouldBe(100);
        (await AskAsync(tenant, "how many heart rate readings has patient p12 in the last 2 hours")).GetProperty("data").GetProperty("value").GetInt32().ShouldBe(4);
        var trend = await AskAsync(tenant, "heart rate trend of patient p12 in the last hour");
        trend.GetProperty("data").GetProperty("direction").GetString().ShouldBe("rising", trend.ToString());
        trend.GetProperty("data").GetProperty("slopePerHour").GetDouble().ShouldBe(60, 0.5, "10 /min every 10 minutes");
        (await AskAsync(tenant, "current NEWS2 of patient p7")).GetProperty("data").GetProperty("score").GetInt32().ShouldBeGreaterThanOrEqualTo(5);
    }

    [Fact]
    public async Task Ward_questions_list_the_patients_and_alerts_that_match()
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-45).ToUnixTimeSeconds());
        using var tenant = await WardAsync(t);

        var high = await AskAsync(tenant, "which patients have NEWS2 >= 5");
        high.GetProperty("answered").GetBoolean().ShouldBeTrue(high.ToString());
        high.GetProperty("data").GetProperty("patients").EnumerateArray().Select(p => p.GetProperty("patientId").GetString()).ShouldBe(["p7"]);
        var wardA = await AskAsync(tenant, "which patients in ward A have NEWS2 >= 5");
        wardA.GetProperty("query").GetProperty("department").GetString().ShouldBe("ward-a");
        wardA.GetProperty("data").GetProperty("patients").GetArrayLength().ShouldBe(0);
        wardA.GetProperty("answer").GetString().ShouldBe("No active patient in Ward A has NEWS2 >= 5.");
        (await AskAsync(tenant, "which patients in ward A have a heart rate above 95")).GetProperty("data").GetProperty("patients")[0]
            .GetProperty("patientId").GetString().ShouldBe("p12");

        var icu = await AskAsync(tenant, "active alerts in ICU");
        icu.GetProperty("query").GetProperty("status").GetString().ShouldBe("active");
        var alerts = icu.GetProperty("data").GetProperty("alerts").EnumerateArray().ToList();
        alerts.ShouldNotBeEmpty();
        alerts.ShouldAllBe(a => a.GetProperty("patientId").GetString() == "p7" && a.GetProperty("departmentId").GetString() == "icu");
        (await AskAsync(tenant, "active alerts in ward A")).GetProperty("data").GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Questions_never_reach_another_customers_patients()
    {
        var t = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-45).ToUnixTimeSeconds());
        using var tenant = await WardAsync(t);
        using var other = await Tenant.CreateAsync(fixture.Server, "ask-other-" + Guid.NewGuid().ToString("N")[..6]);
        (await other.Admin.PostJsonAsync("/api/v1/patients", new { id = "p12", name = "Someone Else" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        var mine = await AskAsync(other, "average heart rate of patient p12 in the last hour");
        mine.GetProperty("answered").GetBoolean().ShouldBeFalse("the other customer's p12 has no readings");
        mine.GetProperty("reason").GetString()!.ShouldContain("has no heart rate readings");
        var byName = await AskAsync(other, "average heart rate of Ada Lovelace in the last hour");
        byName.GetProperty("answered").GetBoolean().ShouldBeFalse();
        byName.GetProperty("reason").GetString()!.ShouldContain("names no patient");
        var byId = await AskAsync(other, "latest heart rate of patient p7");
        byId.GetProperty("reason").GetString().ShouldBe("there is no patient 'p7'");
        (await AskAsync(other, "which patients have NEWS2 >= 0")).GetProperty("data").GetProperty("patients").GetArrayLength().ShouldBe(0);
        (await AskAsync(other, "alerts")).GetProperty("data").GetProperty("count").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task Unanswerable_questions_say_why_and_bad_requests_are_problems()
    {
        using var tenant = await Tenant.CreateAsync(fixture.Server, "ask-bad-" + Guid.NewGuid().ToString("N")[..6]);
        var answer = await AskAsync(tenant, "what is the meaning of life");
        answer.GetProperty("answered").GetBoolean().ShouldBeFalse();
        answer.GetProperty("reason").GetString()!.ShouldContain("names no patient");
        answer.GetProperty("query").ValueKind.ShouldBe(JsonValueKind.Null);
        (await AskAsync(tenant, "average news2 of patient p")).GetProperty("reason").GetString()!.ShouldContain("for NEWS2 Vigil answers");

        (await (await tenant.Admin.PostJsonAsync("/api/v1/ask", new { })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity)).Errors().ShouldBe([(null, "question")]);
        (await (await tenant.Admin.PostJsonAsync("/api/v1/ask", new { question = new string('x', 501) })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))
            .Errors().ShouldBe([(null, "question")]);
        await (await tenant.Admin.PostRawAsync("/api/v1/ask", "[1,")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        (await tenant.Device.PostJsonAsync("/api/v1/ask", new { question = "alerts" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await fixture.Server.Client().PostJsonAsync("/api/v1/ask", new { question = "alerts" })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : AskTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : AskTests(fixture), IClassFixture<DistributedServerFixture>;
}

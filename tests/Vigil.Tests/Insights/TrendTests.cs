using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Insights;

/// <summary>
/// <c>GET /api/v1/patients/{id}/trends</c> on aggregates the analyzer built from readings posted over HTTP: slopes over
/// the last 6 and 24 hours with their confidence intervals, ending at the patient's latest reading or at <c>at</c>.
/// </summary>
public abstract class TrendTests(ServerFixture fixture)
{
    // Eight hours of readings ending ten minutes ago, on 5-minute boundaries.
    private static readonly DateTimeOffset Start =
        DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-8).AddMinutes(-10).ToUnixTimeSeconds() / 300 * 300);

    private Analyzer Analyzer => fixture.Server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();

    private async Task<Tenant> TenantAsync(string name) =>
        await Tenant.CreateAsync(fixture.Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    /// <summary>
    /// Every five minutes for eight hours: a pulse rising 2 /min per hour, an SpO2 falling 0.5 % per hour and a
    /// temperature that only wobbles, each ± a small alternating error.
    /// </summary>
    private async Task PostCourseAsync(Tenant tenant)
    {
        var readings = new List<object>();
        for (var i = 0; i < 96; i++)
        {
            var at = Start.AddMinutes(5 * i);
            var hours = i / 12.0;
            var wobble = i % 2 == 0 ? 1 : -1;
            readings.Add(new { id = $"hr{i}", patientId = "p", type = "heart_rate", value = Math.Round(60 + (2 * hours) + wobble, 2), observedAt = at.ToString("O") });
            readings.Add(new { id = $"sp{i}", patientId = "p", type = "spo2", value = Math.Round(98 - (0.5 * hours) + (0.2 * wobble), 2), observedAt = at.ToString("O") });
            readings.Add(new { id = $"t{i}", patientId = "p", type = "temperature", value = 36.8 + (0.1 * wobble), observedAt = at.ToString("O") });
        }

        var handled = readings.Select(r => Analyzer.WhenHandled(tenant.Id, (string)r.GetType().GetProperty("id")!.GetValue(r)!)).ToList();
        (await tenant.Device.PostJsonAsync("/api/v1/readings", readings)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(60), Http.Ct);
    }

    private static async Task<JsonElement> TrendsAsync(Tenant tenant, string query = "") =>
        await (await tenant.Admin.Get($"/api/v1/patients/p/trends{query}")).ShouldBeAsync(HttpStatusCode.OK);

    private static JsonElement Trend(JsonElement trends, string type, string span) =>
        trends.GetProperty("trends").EnumerateArray().Single(t => t.GetProperty("type").GetString() == type && t.GetProperty("span").GetString() == span);

    [Fact]
    public async Task Each_vital_has_its_slope_per_hour_with_a_confidence_interval_over_the_last_6_and_24_hours()
    {
        using var tenant = await TenantAsync("trend");
        await PostCourseAsync(tenant);

        var trends = await TrendsAsync(tenant);
        var latest = Start.AddMinutes(5 * 95);
        trends.GetProperty("at").GetDateTimeOffset().ShouldBe(latest);
        trends.GetProperty("confidence").GetDouble().ShouldBe(0.95);
        trends.GetProperty("trends").EnumerateArray().Select(t => t.GetProperty("type").GetString() + "/" + t.GetProperty("span").GetString())
            .ShouldBe(["heart_rate/6h", "heart_rate/24h", "spo2/6h", "spo2/24h", "temperature/6h", "temperature/24h"], ignoreOrder: true);

        var pulse6 = Trend(trends, "heart_rate", "6h");
        pulse6.GetProperty("unit").GetString().ShouldBe("/min");
        pulse6.GetProperty("from").GetDateTimeOffset().ShouldBe(latest.AddHours(-6));
        pulse6.GetProperty("to").GetDateTimeOffset().ShouldBe(latest);
        pulse6.GetProperty("points").GetInt32().ShouldBe(72);
        pulse6.GetProperty("slopePerHour").GetDouble().ShouldBe(2, 0.1);
        pulse6.GetProperty("slopeLow").GetDouble().ShouldBeLessThan(2);
        pulse6.GetProperty("slopeHigh").GetDouble().ShouldBeGreaterThan(2);
        pulse6.GetProperty("rSquared").GetDouble().ShouldBeGreaterThan(0.9);
        pulse6.GetProperty("direction").GetString().ShouldBe("rising");

        // Over 24 hours the fit has the eight hours there are: every window, the latest (holding "at") included.
        var pulse24 = Trend(trends, "heart_rate", "24h");
        pulse24.GetProperty("points").GetInt32().ShouldBe(96);
        pulse24.GetProperty("slopePerHour").GetDouble().ShouldBe(2, 0.05);

        Trend(trends, "spo2", "6h").GetProperty("slopePerHour").GetDouble().ShouldBe(-0.5, 0.05);
        Trend(trends, "spo2", "6h").GetProperty("direction").GetString().ShouldBe("falling");
        var temperature = Trend(trends, "temperature", "24h");
        temperature.GetProperty("direction").GetString().ShouldBe("steady");
        temperature.GetProperty("slopeLow").GetDouble().ShouldBeLessThan(0);
        temperature.GetProperty("slopeHigh").GetDouble().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Trends_can_end_at_a_chosen_time_and_be_asked_for_one_vital()
    {
        using var tenant = await TenantAsync("trend-at");
        await PostCourseAsync(tenant);
        var at = Start.AddHours(3);

        var trends = await TrendsAsync(tenant, $"?type=heart_rate&at={Uri.EscapeDataString(at.ToString("O"))}");

        trends.GetProperty("at").GetDateTimeOffset().ShouldBe(at);
        trends.GetProperty("trends").GetArrayLength().ShouldBe(2);
        // The windows starting after at - 6 h up to the one holding "at": the first three hours and the window at 3:00.
        Trend(trends, "heart_rate", "6h").GetProperty("points").GetInt32().ShouldBe(37);
        Trend(trends, "heart_rate", "6h").GetProperty("slopePerHour").GetDouble().ShouldBe(2, 0.2);

        var none = await TrendsAsync(tenant, "?type=weight");
        var weight = Trend(none, "weight", "6h");
        weight.GetProperty("points").GetInt32().ShouldBe(0);
        weight.GetProperty("slopePerHour").ValueKind.ShouldBe(JsonValueKind.Null);
        weight.GetProperty("direction").GetString().ShouldBe("unknown");
    }

    [Fact]
    public async Task A_patient_without_readings_has_no_trends_and_bad_queries_name_the_field()
    {
        using var tenant = await TenantAsync("trend-bad");

        var empty = await TrendsAsync(tenant);
        empty.GetProperty("at").ValueKind.ShouldBe(JsonValueKind.Null);
        empty.GetProperty("trends").GetArrayLength().ShouldBe(0);

        (await (await tenant.Admin.Get("/api/v1/patients/p/trends?type=consciousness")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))
            .Errors().ShouldBe([(null, "type")]);
        (await (await tenant.Admin.Get("/api/v1/patients/p/trends?at=yesterday")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))
            .Errors().ShouldBe([(null, "at")]);
        await (await tenant.Admin.Get("/api/v1/patients/nobody/trends")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : TrendTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : TrendTests(fixture), IClassFixture<DistributedServerFixture>;
}

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests;

/// <summary>A patient's timeline: clinical events and alert transitions together, newest first, scoped to the caller.</summary>
public abstract class TimelineTests(ServerFixture fixture)
{
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeSeconds());

    [Fact]
    public async Task The_timeline_lists_a_patients_events_and_alert_transitions_newest_first()
    {
        using var tenant = await Tenant.CreateAsync(fixture.Server, "timeline-" + Guid.NewGuid().ToString("N")[..6]);
        using var other = await Tenant.CreateAsync(fixture.Server, "timeline-other-" + Guid.NewGuid().ToString("N")[..6]);
        (await tenant.Device.PostJsonAsync("/api/v1/events", new[]
        {
            new { eventId = "e1", patientId = "p", type = "note", data = new { text = "comfortable night" }, ts = T.ToString("O") },
            new { eventId = "e2", patientId = "p", type = "medication_administered", data = new { text = "paracetamol 1 g" }, ts = T.AddMinutes(5).ToString("O") },
        })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var evaluated = fixture.Server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single().WhenHandled(tenant.Id, "hr");
        (await tenant.Device.PostJsonAsync("/api/v1/readings", new { id = "hr", patientId = "p", type = "heart_rate", value = 35, observedAt = T.ToString("O") }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await evaluated.WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
        var alertId = (await (await tenant.Admin.Get("/api/v1/alerts?rule=threshold:heart_rate")).ShouldBeAsync(HttpStatusCode.OK))
            .GetProperty("items")[0].GetProperty("id").GetString()!;
        (await tenant.Admin.PostJsonAsync($"/api/v1/alerts/{alertId}/acknowledge", new { note = "on my way" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var items = (await (await tenant.Admin.Get("/api/v1/patients/p/timeline")).ShouldBeAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().ToList();

        var alertEntries = items.Where(i => i.GetProperty("kind").GetString() == "alert" && i.GetProperty("id").GetString() == alertId).ToList();
        alertEntries.Select(i => i.GetProperty("type").GetString()).ShouldBe(["acknowledged", "created"]);
        alertEntries[0].GetProperty("note").GetString().ShouldBe("on my way");
        alertEntries[1].GetProperty("message").GetString().ShouldBe("heart_rate 35 /min is below the low limit 41 /min");
        var events = items.Where(i => i.GetProperty("kind").GetString() == "event").ToList();
        events.Select(i => i.GetProperty("id").GetString()).ShouldBe(["e2", "e1"]);
        events[0].GetProperty("data").GetProperty("text").GetString().ShouldBe("paracetamol 1 g");
        events[1].GetProperty("at").GetDateTimeOffset().ShouldBe(T);
        items.Select(i => i.GetProperty("at").GetDateTimeOffset()).ShouldBeInOrder(SortDirection.Descending);

        var window = (await (await tenant.Admin.Get($"/api/v1/patients/p/timeline?from={Uri.EscapeDataString(T.AddMinutes(1).ToString("O"))}&to={Uri.EscapeDataString(T.AddMinutes(10).ToString("O"))}"))
            .ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).ToList();
        window.ShouldBe(["e2"]);
        await (await other.Admin.Get("/api/v1/patients/nobody/timeline")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await (await other.Admin.Get("/api/v1/patients/p/timeline")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength()
            .ShouldBe(0, "the other customer's patient p is another patient");
        await (await tenant.Admin.Get("/api/v1/patients/p/timeline?limit=0")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : TimelineTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : TimelineTests(fixture), IClassFixture<DistributedServerFixture>;
}

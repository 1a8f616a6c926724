using System.Net;
using System.Text.Json;
using Vigil.Tests.Infrastructure;
using static Vigil.Tests.Insights.Readings;

namespace Vigil.Tests.Insights;

/// <summary>Health goals: set per patient by the care team, progress from the patient's aggregates, scoped to the customer.</summary>
public abstract class GoalTests(ServerFixture fixture)
{
    private async Task<Tenant> TenantAsync() => await Tenant.CreateAsync(fixture.Server, "goals-" + Guid.NewGuid().ToString("N")[..6]);

    private static JsonElement Goal(JsonElement list, string kind) =>
        list.GetProperty("items").EnumerateArray().Single(g => g.GetProperty("kind").GetString() == kind);

    [Fact]
    public async Task Goals_show_progress_computed_from_the_patients_readings()
    {
        using var tenant = await TenantAsync();
        var steps = await (await tenant.Admin.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "steps_per_day", target = 8000 }))
            .ShouldBeAsync(HttpStatusCode.Created);
        steps.GetProperty("direction").GetString().ShouldBe("at_least");
        steps.GetProperty("period").GetString().ShouldBe("day");
        steps.GetProperty("progress").GetProperty("value").ValueKind.ShouldBe(JsonValueKind.Null, "no steps yet");
        (await tenant.Admin.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "resting_heart_rate", target = 65, period = "week" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "weight", target = 80, direction = "at_most", note = "before surgery" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);

        var t = RecentToday();
        await PostAsync(fixture.Server, tenant,
            R("s1", "steps", 3000, t), R("s2", "steps", 5200, t.AddMinutes(2)),
            R("h1", "heart_rate", 62, t), R("h2", "heart_rate", 58, t.AddMinutes(1)),
            R("w1", "weight", 82, t), R("w2", "weight", 81.5, t.AddMinutes(3)));

        var list = await (await tenant.Admin.Get("/api/v1/patients/p/goals")).ShouldBeAsync(HttpStatusCode.OK);
        var stepsProgress = Goal(list, "steps_per_day").GetProperty("progress");
        stepsProgress.GetProperty("value").GetDouble().ShouldBe(5200, "a steps reading is the day's running count");
        stepsProgress.GetProperty("met").GetBoolean().ShouldBeFalse();
        stepsProgress.GetProperty("percent").GetDouble().ShouldBe(65);
        var resting = Goal(list, "resting_heart_rate");
        resting.GetProperty("direction").GetString().ShouldBe("at_most");
        resting.GetProperty("unit").GetString().ShouldBe("/min");
        resting.GetProperty("progress").GetProperty("value").GetDouble().ShouldBe(60);
        resting.GetProperty("progress").GetProperty("met").GetBoolean().ShouldBeTrue();
        resting.GetProperty("progress").GetProperty("percent").GetDouble().ShouldBe(100);
        var weight = Goal(list, "weight");
        weight.GetProperty("note").GetString().ShouldBe("before surgery");
        weight.GetProperty("progress").GetProperty("value").GetDouble().ShouldBe(81.5, "the latest weight");
        weight.GetProperty("progress").GetProperty("percent").GetDouble().ShouldBe(98.2);

        var id = Goal(list, "steps_per_day").GetProperty("id").GetString();
        var updated = await (await tenant.Admin.PutJsonAsync($"/api/v1/patients/p/goals/{id}", new { target = 5000 })).ShouldBeAsync(HttpStatusCode.OK);
        updated.GetProperty("progress").GetProperty("met").GetBoolean().ShouldBeTrue();
        (await (await tenant.Admin.Get($"/api/v1/patients/p/goals/{id}")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("target").GetDouble().ShouldBe(5000);
        (await tenant.Admin.Delete($"/api/v1/patients/p/goals/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await tenant.Admin.Get($"/api/v1/patients/p/goals/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Invalid_goals_are_refused_naming_each_field_and_nothing_is_stored()
    {
        using var tenant = await TenantAsync();
        var problem = await (await tenant.Admin.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "sleep", direction = "up", period = "month" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        problem.Errors().Select(e => e.Field).ShouldBe(["kind", "target", "direction", "period"], ignoreOrder: true);
        problem = await (await tenant.Admin.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "steps_per_day", target = 1_000_000 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        problem.Errors().ShouldBe([(null, "target")]);
        problem = await (await tenant.Admin.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "weight", target = 70 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        problem.Errors().ShouldBe([(null, "direction")], "losing or gaining weight: the goal must say");
        await (await tenant.Admin.PostRawAsync("/api/v1/patients/p/goals", "{\"kind\":")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        (await (await tenant.Admin.Get("/api/v1/patients/p/goals")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength().ShouldBe(0);

        var created = await (await tenant.Admin.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "steps_per_day", target = 6000 })).ShouldBeAsync(HttpStatusCode.Created);
        await (await tenant.Admin.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "steps_per_day", target = 7000 })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        problem = await (await tenant.Admin.PutJsonAsync($"/api/v1/patients/p/goals/{created.GetProperty("id").GetString()}", new { kind = "weight", target = 70 }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        problem.Errors().Select(e => e.Field).ShouldBe(["kind"]);
    }

    [Fact]
    public async Task Goals_belong_to_the_customer_and_only_the_care_team_sets_them()
    {
        using var tenant = await TenantAsync();
        using var other = await TenantAsync();
        var goal = await (await tenant.Admin.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "steps_per_day", target = 6000 })).ShouldBeAsync(HttpStatusCode.Created);
        var id = goal.GetProperty("id").GetString();
        (await (await other.Admin.Get("/api/v1/patients/p/goals")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength()
            .ShouldBe(0, "the other customer's patient p is another patient");
        await (await other.Admin.Get($"/api/v1/patients/p/goals/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Admin.PutJsonAsync($"/api/v1/patients/p/goals/{id}", new { target = 1 })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Admin.Delete($"/api/v1/patients/p/goals/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await tenant.Admin.PostJsonAsync("/api/v1/patients/nobody/goals", new { kind = "steps_per_day", target = 6000 }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);

        using var viewer = fixture.Server.Client(await fixture.Server.CreateKeyAsync(tenant.Id, "viewer"));
        (await viewer.Get("/api/v1/patients/p/goals")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.PostJsonAsync("/api/v1/patients/p/goals", new { kind = "weight", target = 70, direction = "at_most" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await tenant.Device.Get("/api/v1/patients/p/goals")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var clinician = fixture.Server.Client(await fixture.Server.CreateKeyAsync(tenant.Id, "clinician"));
        (await clinician.PutJsonAsync($"/api/v1/patients/p/goals/{id}", new { target = 7000 })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : GoalTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : GoalTests(fixture), IClassFixture<DistributedServerFixture>;
}

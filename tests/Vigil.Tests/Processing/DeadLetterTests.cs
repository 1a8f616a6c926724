using System.Net;
using Vigil.Domain.Log;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>Dead letters can be listed by their customer's admins and replayed once the cause is fixed.</summary>
public abstract class DeadLetterTests(ServerFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Reading(string id) => new
    {
        id, patientId = "p", type = "heart_rate", value = 72, observedAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"),
    };

    private static string ReadingId(Tenant tenant) => "r-" + tenant.Id;

    private async Task<(Tenant Tenant, long Id)> DeadLetteredReadingAsync(string name, LogWatcher watcher)
    {
        var tenant = await Tenant.CreateAsync(fixture.Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        (await tenant.Admin.PutJsonAsync("/api/v1/patients/p", new { name = "Pat", status = "discharged" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        // Reading ids are per customer; this one is unique in the log the tests share, so the watcher finds ours.
        (await tenant.Device.PostJsonAsync("/api/v1/readings", Reading(ReadingId(tenant)))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await watcher.ForReadingAsync(ReadingId(tenant), Ct)).Topic.ShouldBe(Topics.DeadLetters);
        var list = await (await tenant.Admin.Get("/api/v1/dlq")).ShouldBeAsync(HttpStatusCode.OK);
        var item = list.GetProperty("items").EnumerateArray().Single();
        return (tenant, item.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task A_dead_letter_is_listed_with_its_reason_and_original_message()
    {
        await using var watcher = new LogWatcher(fixture.Server, Topics.ReadingsEnriched, Topics.DeadLetters);
        var (tenant, _) = await DeadLetteredReadingAsync("dlq-list", watcher);
        using var _t = tenant;

        var item = (await (await tenant.Admin.Get("/api/v1/dlq")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items")[0];

        item.GetProperty("reason").GetString().ShouldBe("patient is discharged");
        item.GetProperty("sourceTopic").GetString().ShouldBe(Topics.ReadingsRaw);
        item.GetProperty("group").GetString().ShouldBe("enrich");
        item.GetProperty("message").GetProperty("body").GetProperty("id").GetString().ShouldBe(ReadingId(tenant));
        item.GetProperty("replayedAt").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.Null);
    }

    [Fact]
    public async Task A_replayed_dead_letter_is_handled_again_once_the_cause_is_fixed_and_only_once()
    {
        await using var watcher = new LogWatcher(fixture.Server, Topics.ReadingsEnriched, Topics.DeadLetters);
        var (tenant, id) = await DeadLetteredReadingAsync("dlq-replay", watcher);
        using var _t = tenant;
        (await tenant.Admin.PutJsonAsync("/api/v1/patients/p", new { name = "Pat", status = "active" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await tenant.Admin.PostJsonAsync($"/api/v1/dlq/{id}/replay", new { })).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var enriched = await watcher.WaitForAsync((topic, e) => topic == Topics.ReadingsEnriched && LogWatcher.ReadingId(topic, e) == ReadingId(tenant), Ct);
        enriched.Envelope.Body.GetProperty("patient").GetProperty("status").GetString().ShouldBe("active");
        await (await tenant.Admin.PostJsonAsync($"/api/v1/dlq/{id}/replay", new { })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        var item = (await (await tenant.Admin.Get("/api/v1/dlq")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items")[0];
        item.GetProperty("replayedAt").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.String);
    }

    [Fact]
    public async Task Another_customer_neither_sees_nor_replays_a_dead_letter_and_viewers_may_not()
    {
        await using var watcher = new LogWatcher(fixture.Server, Topics.ReadingsEnriched, Topics.DeadLetters);
        var (tenant, id) = await DeadLetteredReadingAsync("dlq-owner", watcher);
        using var _t = tenant;
        using var other = await Tenant.CreateAsync(fixture.Server, "dlq-other-" + Guid.NewGuid().ToString("N")[..6]);
        using var viewer = fixture.Server.Client(await fixture.Server.CreateKeyAsync(tenant.Id, "viewer"));

        (await (await other.Admin.Get("/api/v1/dlq")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength().ShouldBe(0);
        await (await other.Admin.PostJsonAsync($"/api/v1/dlq/{id}/replay", new { })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await viewer.Get("/api/v1/dlq")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.PostJsonAsync($"/api/v1/dlq/{id}/replay", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : DeadLetterTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : DeadLetterTests(fixture), IClassFixture<DistributedServerFixture>;
}

using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Processing.Events;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests;

/// <summary>POST /api/v1/events and GET /api/v1/events/{eventId}: validation, all-or-nothing, idempotency, the events topic.</summary>
public abstract class EventTests(ServerFixture fixture)
{
    private const string Topic = "events";

    private VigilServer Server => fixture.Server;

    private VigilDatabase Db => fixture.Database;

    private (long Events, long Log) Totals(string customer) => (Db.Count("events", customer), Db.LogCount(Topic));

    private static object Event(string eventId, string type = "fall", string patientId = "p", string ts = "2026-03-01T10:00:00Z") =>
        new { eventId, patientId, type, data = new { severity = 2, note = "found on floor" }, ts };

    [Fact]
    public async Task An_event_is_accepted_appended_once_to_the_events_topic_and_reported_as_accepted_until_processed()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ev-one");
        var processed = Server.Services.GetRequiredService<EventProcessor>().WhenHandled("ev-one", "e1");

        var body = await (await tenant.Device.PostJsonAsync("/api/v1/events", Event("e1"))).ShouldBeAsync(HttpStatusCode.Accepted);

        body.GetProperty("accepted").GetInt32().ShouldBe(1);
        body.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ShouldBe(["e1"]);
        var messages = Db.Log(Topic, "ev-one/p");
        messages.Count.ShouldBe(1);
        messages[0].Body.GetProperty("eventId").GetString().ShouldBe("e1");
        messages[0].Body.GetProperty("customerId").GetString().ShouldBe("ev-one");
        messages[0].Body.GetProperty("data").GetProperty("severity").GetInt32().ShouldBe(2);
        var status = await (await tenant.Admin.Get("/api/v1/events/e1")).ShouldBeAsync(HttpStatusCode.OK);
        status.GetProperty("status").GetString().ShouldBeOneOf("accepted", "processed"); // the process role may have been quicker
        status.GetProperty("type").GetString().ShouldBe("fall");
        status.GetProperty("data").GetProperty("note").GetString().ShouldBe("found on floor");
        status.GetProperty("ts").GetDateTimeOffset().ShouldBe(DateTimeOffset.Parse("2026-03-01T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await processed.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        (await (await tenant.Admin.Get("/api/v1/events/e1")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("status").GetString().ShouldBe("processed");
    }

    [Fact]
    public async Task A_batch_of_events_is_accepted_with_ids_in_request_order()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ev-batch");

        var body = await (await tenant.Admin.PostJsonAsync("/api/v1/events", new[] { Event("b"), Event("a"), Event("c") })).ShouldBeAsync(HttpStatusCode.Accepted);

        body.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ShouldBe(["b", "a", "c"]);
        Db.Log(Topic, "ev-batch/p").Select(m => m.Body.GetProperty("eventId").GetString()).ShouldBe(["b", "a", "c"]);
    }

    public static TheoryData<string, string, string> InvalidEvents => new()
    {
        { "missing type", """{"patientId":"p","data":{},"ts":"2026-03-01T10:00:00Z"}""", "type" },
        { "type with capitals", """{"patientId":"p","type":"Fall","data":{},"ts":"2026-03-01T10:00:00Z"}""", "type" },
        { "data not an object", """{"patientId":"p","type":"fall","data":[1,2],"ts":"2026-03-01T10:00:00Z"}""", "data" },
        { "missing ts", """{"patientId":"p","type":"fall","data":{}}""", "ts" },
        { "ts in the future", """{"patientId":"p","type":"fall","data":{},"ts":"2999-01-01T00:00:00Z"}""", "ts" },
        { "ts before 1970", """{"patientId":"p","type":"fall","data":{},"ts":"1960-01-01T00:00:00Z"}""", "ts" },
        { "missing patient", """{"type":"fall","data":{},"ts":"2026-03-01T10:00:00Z"}""", "patientId" },
        { "unknown patient", """{"patientId":"ghost","type":"fall","data":{},"ts":"2026-03-01T10:00:00Z"}""", "patientId" },
        { "bad event id", """{"eventId":"a/b","patientId":"p","type":"fall","data":{},"ts":"2026-03-01T10:00:00Z"}""", "eventId" },
        { "patient as a number", """{"patientId":7,"type":"fall","data":{},"ts":"2026-03-01T10:00:00Z"}""", "patientId" },
    };

    [Theory]
    [MemberData(nameof(InvalidEvents))]
    public async Task An_invalid_event_is_refused_with_422_naming_the_field_and_nothing_is_stored(string why, string json, string field)
    {
        using var tenant = await Tenant.CreateAsync(Server, "ev-bad-" + why.Replace(' ', '-'));
        var before = Totals(tenant.Id);

        var problem = await (await tenant.Device.PostRawAsync("/api/v1/events", json)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        problem.Errors().ShouldContain((null, field));
        Totals(tenant.Id).ShouldBe(before);
    }

    [Fact]
    public async Task Event_data_over_64_KiB_is_refused_with_422()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ev-big-data");

        var problem = await (await tenant.Device.PostJsonAsync("/api/v1/events",
            new { patientId = "p", type = "note", data = new { text = new string('x', 70_000) }, ts = "2026-03-01T10:00:00Z" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        problem.Errors().ShouldBe([(null, "data")]);
        Db.Count("events", tenant.Id).ShouldBe(0);
    }

    [Fact]
    public async Task A_batch_with_one_invalid_event_stores_nothing()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ev-batch-bad");
        var before = Totals(tenant.Id);

        var problem = await (await tenant.Device.PostJsonAsync("/api/v1/events", new[] { Event("ok"), Event("bad", patientId: "ghost") }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        problem.Errors().ShouldBe([(1, "patientId")]);
        Totals(tenant.Id).ShouldBe(before);
        await (await tenant.Admin.Get("/api/v1/events/ok")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Malformed_json_is_400_and_a_non_json_content_type_is_415()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ev-malformed");

        await (await tenant.Device.PostRawAsync("/api/v1/events", "{\"patientId\":")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await tenant.Device.PostRawAsync("/api/v1/events", "{}", "text/plain")).ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);

        Db.Count("events", tenant.Id).ShouldBe(0);
    }

    [Fact]
    public async Task Resending_an_event_is_a_duplicate_and_reusing_its_id_for_other_content_is_409_storing_nothing()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ev-idem");
        (await tenant.Device.PostJsonAsync("/api/v1/events", Event("e1"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var before = Totals(tenant.Id);

        var again = await (await tenant.Device.PostJsonAsync("/api/v1/events", Event("e1"))).ShouldBeAsync(HttpStatusCode.Accepted);
        again.GetProperty("accepted").GetInt32().ShouldBe(0);
        again.GetProperty("duplicates").GetInt32().ShouldBe(1);
        Totals(tenant.Id).ShouldBe(before);

        var problem = await (await tenant.Device.PostJsonAsync("/api/v1/events", new[] { Event("e2"), Event("e1", type: "seizure") }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);
        problem.Errors().ShouldBe([(1, "eventId")]);
        Totals(tenant.Id).ShouldBe(before);
        (await (await tenant.Admin.Get("/api/v1/events/e1")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("type").GetString().ShouldBe("fall");
    }

    [Fact]
    public async Task An_unknown_event_or_another_customers_event_is_404()
    {
        using var mine = await Tenant.CreateAsync(Server, "ev-mine");
        using var theirs = await Tenant.CreateAsync(Server, "ev-theirs");
        (await theirs.Device.PostJsonAsync("/api/v1/events", Event("theirs-only"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        await (await mine.Admin.Get("/api/v1/events/theirs-only")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await mine.Admin.Get("/api/v1/events/never")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : EventTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : EventTests(fixture), IClassFixture<DistributedServerFixture>;
}

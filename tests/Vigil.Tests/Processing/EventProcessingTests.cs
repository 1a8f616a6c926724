using System.Net;
using System.Text.Json;
using Vigil.Domain.Log;
using Vigil.Processing;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>The process role over HTTP: each event type's handler, per-patient order with patients in parallel, failures and dead letters.</summary>
public abstract class EventProcessingTests(EventServerFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private VigilServer Server => fixture.Server;

    private VigilDatabase Db => fixture.Database;

    private static object Event(string eventId, string type, object? data = null, string patientId = "p") => new
    {
        eventId, patientId, type, data = data ?? new { }, ts = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"),
    };

    /// <summary>Posts events and waits (without polling) until the process role has handled each of them.</summary>
    private async Task PostAndWaitAsync(Tenant tenant, params object[] events)
    {
        var ids = events.Select(e => (string)e.GetType().GetProperty("eventId")!.GetValue(e)!).ToList();
        var handled = ids.Select(id => fixture.Processor.WhenHandled(tenant.Id, id)).ToList();
        (await tenant.Device.PostJsonAsync("/api/v1/events", events)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }

    private static async Task<JsonElement> EventAsync(Tenant tenant, string eventId) =>
        await (await tenant.Admin.Get($"/api/v1/events/{eventId}")).ShouldBeAsync(HttpStatusCode.OK);

    private static async Task<JsonElement> PatientAsync(Tenant tenant, string patientId = "p") =>
        await (await tenant.Admin.Get($"/api/v1/patients/{patientId}")).ShouldBeAsync(HttpStatusCode.OK);

    private static async Task CreateDepartmentsAsync(Tenant tenant, params string[] ids)
    {
        foreach (var id in ids)
        {
            (await tenant.Admin.PostJsonAsync($"/api/v1/customers/{tenant.Id}/departments", new { id, name = id.ToUpperInvariant() })).StatusCode.ShouldBe(HttpStatusCode.Created);
        }
    }

    private async Task<Tenant> TenantAsync(string name) => await Tenant.CreateAsync(Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);

    private static void ShouldBeProcessed(JsonElement e)
    {
        e.GetProperty("status").GetString().ShouldBe("processed");
        e.GetProperty("processedAt").GetDateTimeOffset().ShouldBeGreaterThanOrEqualTo(e.GetProperty("receivedAt").GetDateTimeOffset());
        e.GetProperty("durationMs").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
    }

    [Fact]
    public async Task Admission_transfer_and_discharge_change_the_patient_and_each_emits_a_reference_change()
    {
        using var tenant = await TenantAsync("ev-adt");
        await CreateDepartmentsAsync(tenant, "icu", "ward");
        var key = Keys.Patient(tenant.Id, "p");
        var changesBefore = Db.Log(Topics.ReferenceChanges, key).Count;

        await PostAndWaitAsync(tenant, Event("adm", "admission", new { departmentId = "icu" }));
        var patient = await PatientAsync(tenant);
        patient.GetProperty("status").GetString().ShouldBe("active");
        patient.GetProperty("departmentId").GetString().ShouldBe("icu");
        var admission = await EventAsync(tenant, "adm");
        ShouldBeProcessed(admission);
        admission.GetProperty("result").GetProperty("departmentId").GetString().ShouldBe("icu");

        await PostAndWaitAsync(tenant, Event("tr", "transfer", new { departmentId = "ward" }));
        (await PatientAsync(tenant)).GetProperty("departmentId").GetString().ShouldBe("ward");
        var transfer = await EventAsync(tenant, "tr");
        ShouldBeProcessed(transfer);
        transfer.GetProperty("result").GetProperty("fromDepartmentId").GetString().ShouldBe("icu");
        transfer.GetProperty("result").GetProperty("departmentId").GetString().ShouldBe("ward");

        await PostAndWaitAsync(tenant, Event("dis", "discharge"));
        patient = await PatientAsync(tenant);
        patient.GetProperty("status").GetString().ShouldBe("discharged");
        patient.GetProperty("departmentId").GetString().ShouldBe("ward");
        ShouldBeProcessed(await EventAsync(tenant, "dis"));

        var changes = Db.Log(Topics.ReferenceChanges, key).Skip(changesBefore).Select(c => c.Body.GetProperty("data")).ToList();
        changes.Select(c => (c.GetProperty("status").GetString(), c.GetProperty("departmentId").GetString()))
            .ShouldBe([("active", "icu"), ("active", "ward"), ("discharged", "ward")]);
    }

    [Fact]
    public async Task An_admission_without_a_department_keeps_the_patients_department_and_readmits_a_discharged_patient()
    {
        using var tenant = await TenantAsync("ev-readmit");
        await CreateDepartmentsAsync(tenant, "icu");
        await PostAndWaitAsync(tenant, Event("adm1", "admission", new { departmentId = "icu" }), Event("dis", "discharge"), Event("adm2", "admission"));

        var patient = await PatientAsync(tenant);
        patient.GetProperty("status").GetString().ShouldBe("active");
        patient.GetProperty("departmentId").GetString().ShouldBe("icu");
    }

    public static TheoryData<string, object, string> RefusedTransfers => new()
    {
        { "unknown department", new { departmentId = "nowhere" }, "'nowhere' is not a department of this customer" },
        { "no department", new { }, "data.departmentId is required" },
        { "department not a string", new { departmentId = 7 }, "data.departmentId must be a string" },
        { "department not an id", new { departmentId = "a/b" }, "data.departmentId must be" },
    };

    [Theory]
    [MemberData(nameof(RefusedTransfers))]
    public async Task A_transfer_the_patient_cannot_make_fails_with_the_reason_changes_nothing_and_is_not_retried(string why, object data, string reason)
    {
        using var tenant = await TenantAsync("ev-badtr-" + why.Replace(' ', '-'));
        var key = Keys.Patient(tenant.Id, "p");
        var changesBefore = Db.Log(Topics.ReferenceChanges, key).Count;

        await PostAndWaitAsync(tenant, Event("tr", "transfer", data), Event("after", "note"));

        var transfer = await EventAsync(tenant, "tr");
        transfer.GetProperty("status").GetString().ShouldBe("failed");
        transfer.GetProperty("result").GetProperty("reason").GetString()!.ShouldContain(reason);
        transfer.GetProperty("processedAt").ValueKind.ShouldBe(JsonValueKind.String);
        (await PatientAsync(tenant)).GetProperty("departmentId").ValueKind.ShouldBe(JsonValueKind.Null);
        Db.Log(Topics.ReferenceChanges, key).Count.ShouldBe(changesBefore);
        Db.Count("dead_letters", tenant.Id).ShouldBe(0);
        ShouldBeProcessed(await EventAsync(tenant, "after"));
    }

    [Fact]
    public async Task A_transfer_of_a_discharged_patient_fails_until_an_admission()
    {
        using var tenant = await TenantAsync("ev-distr");
        await CreateDepartmentsAsync(tenant, "icu");

        await PostAndWaitAsync(tenant, Event("dis", "discharge"), Event("tr", "transfer", new { departmentId = "icu" }));

        var transfer = await EventAsync(tenant, "tr");
        transfer.GetProperty("status").GetString().ShouldBe("failed");
        transfer.GetProperty("result").GetProperty("reason").GetString()!.ShouldContain("discharged");
        (await PatientAsync(tenant)).GetProperty("departmentId").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    public static TheoryData<string, string, string> RecordedTypes => new()
    {
        { "note", "recorded", "timeline" },
        { "medication_administered", "recorded", "timeline" },
        { "seizure_observed", "handler", "none" },
    };

    [Theory]
    [MemberData(nameof(RecordedTypes))]
    public async Task An_event_that_changes_no_patient_is_processed_and_kept_with_its_data(string type, string field, string value)
    {
        using var tenant = await TenantAsync("ev-rec-" + type.Replace('_', '-'));
        var key = Keys.Patient(tenant.Id, "p");
        var changesBefore = Db.Log(Topics.ReferenceChanges, key).Count;

        await PostAndWaitAsync(tenant, Event("e1", type, new { text = "ward round", dose = "5 mg" }));

        var e = await EventAsync(tenant, "e1");
        ShouldBeProcessed(e);
        e.GetProperty("result").GetProperty(field).GetString().ShouldBe(value);
        e.GetProperty("data").GetProperty("text").GetString().ShouldBe("ward round");
        e.GetProperty("type").GetString().ShouldBe(type);
        Db.Log(Topics.ReferenceChanges, key).Count.ShouldBe(changesBefore);
    }

    [Fact]
    public async Task A_fall_raises_an_urgent_alert_that_another_fall_updates_and_a_nurse_call_raises_a_medium_one()
    {
        using var tenant = await TenantAsync("ev-alert");

        await PostAndWaitAsync(tenant, Event("fall1", "fall_detected", new { location = "bathroom" }));
        await PostAndWaitAsync(tenant, Event("fall2", "fall_detected", new { location = "corridor" }), Event("call", "nurse_call"));

        var alerts = (await (await tenant.Admin.Get("/api/v1/alerts?patientId=p")).ShouldBeAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().ToDictionary(a => a.GetProperty("rule").GetString()!);
        alerts.Keys.ShouldBe(["event:fall_detected", "event:nurse_call"], ignoreOrder: true);
        var fall = alerts["event:fall_detected"];
        fall.GetProperty("kind").GetString().ShouldBe("event");
        fall.GetProperty("severity").GetString().ShouldBe("urgent");
        fall.GetProperty("breaches").GetInt32().ShouldBe(2);
        fall.GetProperty("message").GetString().ShouldBe("fall detected (corridor)");
        fall.GetProperty("details").GetProperty("eventId").GetString().ShouldBe("fall2");
        alerts["event:nurse_call"].GetProperty("severity").GetString().ShouldBe("medium");

        var first = await EventAsync(tenant, "fall1");
        ShouldBeProcessed(first);
        first.GetProperty("result").GetProperty("alertId").GetString().ShouldBe(fall.GetProperty("id").GetString());
        (await EventAsync(tenant, "fall2")).GetProperty("result").GetProperty("alertId").GetString().ShouldBe(fall.GetProperty("id").GetString());
    }

    [Fact]
    public async Task A_handler_that_keeps_throwing_is_retried_then_dead_lettered_the_patients_later_events_go_on_and_a_replay_handles_it()
    {
        using var tenant = await TenantAsync("ev-flaky");
        fixture.Flaky.Failing["boom"] = true;

        await PostAndWaitAsync(tenant, Event("before", "note"), Event("boom", "test_flaky"), Event("after", "note"));

        fixture.Flaky.Calls["boom"].ShouldBe(LogConsumerService.Attempts);
        var failed = await EventAsync(tenant, "boom");
        failed.GetProperty("status").GetString().ShouldBe("dead-lettered");
        failed.GetProperty("result").GetProperty("error").GetString().ShouldBe("the monitor bridge refused boom");
        failed.GetProperty("result").GetProperty("attempts").GetInt32().ShouldBe(LogConsumerService.Attempts);
        ShouldBeProcessed(await EventAsync(tenant, "before"));
        ShouldBeProcessed(await EventAsync(tenant, "after"));
        var letter = (await (await tenant.Admin.Get("/api/v1/dlq")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Single();
        letter.GetProperty("group").GetString().ShouldBe("process");
        letter.GetProperty("sourceTopic").GetString().ShouldBe(Topics.Events);
        letter.GetProperty("reason").GetString().ShouldBe("handler failed");
        letter.GetProperty("error").GetString().ShouldBe("the monitor bridge refused boom");
        letter.GetProperty("message").GetProperty("body").GetProperty("eventId").GetString().ShouldBe("boom");
        Db.Log(Topics.DeadLetters, Keys.Patient(tenant.Id, "p")).Count.ShouldBe(1);

        // The cause is fixed; the replay is handled once, by this group, and the event ends processed.
        fixture.Flaky.Failing.TryRemove("boom", out _);
        var replayed = fixture.Processor.WhenHandled(tenant.Id, "boom");
        (await tenant.Admin.PostJsonAsync($"/api/v1/dlq/{letter.GetProperty("id").GetInt64()}/replay", new { })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await replayed.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        var done = await EventAsync(tenant, "boom");
        ShouldBeProcessed(done);
        done.GetProperty("result").GetProperty("flaky").GetString().ShouldBe("recovered");
        fixture.Flaky.Calls["boom"].ShouldBe(LogConsumerService.Attempts + 1);
        Db.Count("dead_letters", tenant.Id).ShouldBe(1);
    }

    [Fact]
    public async Task A_replayed_dead_letter_that_fails_again_is_dead_lettered_again_and_can_be_replayed_once_more()
    {
        using var tenant = await TenantAsync("ev-flaky2");
        fixture.Flaky.Failing["twice"] = true;
        await PostAndWaitAsync(tenant, Event("twice", "test_flaky"));
        var first = (await (await tenant.Admin.Get("/api/v1/dlq")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items")[0].GetProperty("id").GetInt64();

        var again = fixture.Processor.WhenHandled(tenant.Id, "twice");
        (await tenant.Admin.PostJsonAsync($"/api/v1/dlq/{first}/replay", new { })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await again.WaitAsync(TimeSpan.FromSeconds(30), Ct);

        (await EventAsync(tenant, "twice")).GetProperty("status").GetString().ShouldBe("dead-lettered");
        var letters = (await (await tenant.Admin.Get("/api/v1/dlq")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        letters.Count.ShouldBe(2);
        letters[0].GetProperty("sourceTopic").GetString().ShouldBe(LogConsumerService.ReplayTopic("process"));

        fixture.Flaky.Failing.TryRemove("twice", out _);
        var last = fixture.Processor.WhenHandled(tenant.Id, "twice");
        (await tenant.Admin.PostJsonAsync($"/api/v1/dlq/{letters[0].GetProperty("id").GetInt64()}/replay", new { })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await last.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        ShouldBeProcessed(await EventAsync(tenant, "twice"));
        fixture.Flaky.Calls["twice"].ShouldBe((2 * LogConsumerService.Attempts) + 1);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(EventServerFixture fixture) : EventProcessingTests(fixture), IClassFixture<EventServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedEventServerFixture fixture) : EventProcessingTests(fixture), IClassFixture<DistributedEventServerFixture>;
}

using System.Data.Common;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Vigil.Tests.Fhir;
using Vigil.Tests.Hl7;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Security;

/// <summary>
/// The audit trail in both modes: writes and reads of patient data over HTTP and HL7 are recorded with who, what, the
/// outcome and from where before the answer goes; the database itself refuses to change or delete an entry; a
/// customer's admins query their own trail and nobody else sees it.
/// </summary>
public abstract class AuditTrailTests(ServerFixture fixture)
{
    private VigilServer Server => fixture.Server;

    private VigilDatabase Db => fixture.Database;

    private static string Actor(HttpClient client) => "key:" + client.DefaultRequestHeaders.GetValues("X-Api-Key").Single().Split('_')[1];

    private static async Task<List<JsonElement>> TrailAsync(HttpClient admin, string query = "")
    {
        var page = await (await admin.Get("/api/v1/audit" + query)).ShouldBeAsync(HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    private static string Text(JsonElement e, string property) => e.GetProperty(property).ValueKind == JsonValueKind.Null ? "" : e.GetProperty(property).GetString()!;

    [Fact]
    public async Task A_write_and_a_read_of_patient_data_are_in_the_trail_with_actor_role_route_patient_outcome_and_address_before_the_answer()
    {
        using var tenant = await Tenant.CreateAsync(Server, "audit-rw");
        var device = Actor(tenant.Device);
        var admin = Actor(tenant.Admin);

        (await tenant.Device.PostJsonAsync("/api/v1/readings",
            new { id = "r1", patientId = "p", deviceId = "d", type = "heart_rate", value = 72, observedAt = "2026-03-01T10:00:00Z" })).StatusCode
            .ShouldBe(HttpStatusCode.Accepted);
        // Already stored when the 202 arrived: the entry is committed before the answer leaves.
        Db.Scalar("SELECT COUNT(*) FROM audit_log WHERE customer_id = @c AND actor = @a AND route = '/api/v1/readings' AND outcome = '202'",
            ("@c", "audit-rw"), ("@a", device)).ShouldBe(1);

        (await tenant.Admin.Get("/api/v1/patients/p/readings")).StatusCode.ShouldBe(HttpStatusCode.OK);
        Db.Scalar("SELECT COUNT(*) FROM audit_log WHERE customer_id = @c AND actor = @a AND patient_id = 'p' AND action = 'read'",
            ("@c", "audit-rw"), ("@a", admin)).ShouldBe(1);

        var write = (await TrailAsync(tenant.Admin, $"?actor={device}")).ShouldHaveSingleItem();
        (Text(write, "actorRole"), Text(write, "interface"), Text(write, "action"), Text(write, "method"), Text(write, "route"), Text(write, "resourceType"),
                Text(write, "outcome"), Text(write, "remoteAddress"))
            .ShouldBe(("device", "http", "create", "POST", "/api/v1/readings", "readings", "202", "127.0.0.1"));

        var reads = await TrailAsync(tenant.Admin, "?patientId=p&action=read");
        var read = reads.ShouldHaveSingleItem();
        (Text(read, "actor"), Text(read, "actorRole"), Text(read, "route"), Text(read, "resourceType"), Text(read, "resourceId"), Text(read, "patientId"),
                Text(read, "outcome"), Text(read, "remoteAddress"))
            .ShouldBe((admin, "admin", "/api/v1/patients/{patientId}/readings", "patients", "p", "p", "200", "127.0.0.1"));
        read.GetProperty("at").GetDateTimeOffset().ShouldBeGreaterThanOrEqualTo(write.GetProperty("at").GetDateTimeOffset());

        // A refused write is recorded with its refusal, and the created patient with its new id.
        (await tenant.Device.PostJsonAsync("/api/v1/readings", new { patientId = "p", type = "heart_rate", value = -1, observedAt = "2026-03-01T10:00:00Z" }))
            .StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p9", name = "Nine" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        // A write refused inside its job (an id stored before with other content) leaves no 202 entry behind: the job's
        // entry is rolled back with it, and the refusal is recorded once.
        (await tenant.Device.PostJsonAsync("/api/v1/readings",
            new { id = "r1", patientId = "p", deviceId = "d", type = "heart_rate", value = 80, observedAt = "2026-03-01T10:00:00Z" })).StatusCode
            .ShouldBe(HttpStatusCode.Conflict);
        var outcomes = (await TrailAsync(tenant.Admin, "?action=create")).Select(e => (Text(e, "route"), Text(e, "resourceId"), Text(e, "outcome"))).ToList();
        outcomes.Where(o => o.Item1 == "/api/v1/readings").Select(o => o.Item3).ShouldBe(["409", "422", "202"]);
        outcomes.ShouldContain(("/api/v1/patients", "p9", "201"));
    }

    [Fact]
    public async Task A_FHIR_search_and_the_dashboards_live_stream_are_in_the_trail_under_the_caller_before_their_answers()
    {
        using var tenant = await Tenant.CreateAsync(Server, "audit-fhir");
        var admin = Actor(tenant.Admin);
        (await tenant.Admin.Get("/fhir/Observation?patient=Patient/p")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var search = (await TrailAsync(tenant.Admin, "?patientId=p&action=read")).ShouldHaveSingleItem();
        (Text(search, "actor"), Text(search, "route"), Text(search, "resourceType"), Text(search, "outcome"))
            .ShouldBe((admin, "/fhir/Observation", "Observation", "200"));

        var token = (await (await tenant.Admin.PostAsync("/api/v1/dashboard/stream-tokens", null, Http.Ct)).ShouldBeAsync(HttpStatusCode.OK))
            .GetProperty("token").GetString()!;
        using var anonymous = Server.Client();
        using (var stream = await anonymous.GetAsync($"/api/v1/dashboard/stream?access_token={Uri.EscapeDataString(token)}",
                   HttpCompletionOption.ResponseHeadersRead, Http.Ct))
        {
            stream.StatusCode.ShouldBe(HttpStatusCode.OK);
            // The stream is open and recorded before its first byte, under the key the token was issued to.
            Db.Scalar("SELECT COUNT(*) FROM audit_log WHERE customer_id = 'audit-fhir' AND route = '/api/v1/dashboard/stream' AND actor = @a",
                ("@a", admin)).ShouldBe(1);
        }
    }

    [Fact]
    public async Task A_FHIR_Observation_and_a_transaction_Bundle_are_recorded_once_each_with_their_answer()
    {
        using var tenant = await Tenant.CreateAsync(Server, "audit-fhir-w");
        var device = Actor(tenant.Device);
        var observation = Fhir.Fhir.Observation("8867-4", Fhir.Fhir.Quantity(72, "/min"), extra: ""","id":"hr-a" """);
        (await tenant.Device.PostFhirAsync("/fhir/Observation", observation)).StatusCode.ShouldBe(HttpStatusCode.Created);
        // Stored with the reading, in its commit: the entry is there as soon as the answer is.
        Db.Scalar("SELECT COUNT(*) FROM audit_log WHERE customer_id = 'audit-fhir-w' AND route = '/fhir/Observation' AND outcome = '201'").ShouldBe(1);
        (await tenant.Device.PostFhirAsync("/fhir/Observation", observation)).StatusCode.ShouldBe(HttpStatusCode.OK);
        var bundle = Fhir.Fhir.Bundle("transaction", Fhir.Fhir.Observation("9279-1", Fhir.Fhir.Quantity(16, "/min"), extra: ""","id":"rr-a" """));
        (await tenant.Device.PostFhirAsync("/fhir", bundle)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var writes = await TrailAsync(tenant.Admin, $"?actor={device}&action=create");
        writes.Select(e => (Text(e, "route"), Text(e, "outcome"))).ShouldBe([("/fhir", "200"), ("/fhir/Observation", "200"), ("/fhir/Observation", "201")]);
    }

    [Fact]
    public async Task The_trail_pages_newest_first_and_filters_by_time_actor_patient_and_action()
    {
        using var tenant = await Tenant.CreateAsync(Server, "audit-page");
        using var viewer = Server.Client(await Server.CreateKeyAsync("audit-page", "viewer"));
        for (var i = 0; i < 5; i++)
        {
            (await viewer.Get("/api/v1/patients/p")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        // The admin's own reads of the trail are in it too (under the admin), so the viewer's five are picked by actor.
        var byViewer = $"actor={Actor(viewer)}&action=read";
        (await TrailAsync(tenant.Admin, "?" + byViewer)).Count.ShouldBe(5);
        (await TrailAsync(tenant.Admin, $"?{byViewer}&patientId=p")).Count.ShouldBe(5);
        (await TrailAsync(tenant.Admin, $"?actor={Actor(viewer)}&action=create")).ShouldBeEmpty();
        var seen = new List<DateTimeOffset>();
        string? cursor = null;
        do
        {
            var page = await (await tenant.Admin.Get($"/api/v1/audit?{byViewer}&limit=2{(cursor is null ? "" : "&cursor=" + cursor)}"))
                .ShouldBeAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("at").GetDateTimeOffset()));
            cursor = page.GetProperty("nextCursor").ValueKind == JsonValueKind.Null ? null : page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        seen.Count.ShouldBe(5);
        seen.ShouldBe(seen.OrderByDescending(t => t).ToList());

        var future = DateTimeOffset.UtcNow.AddHours(1).ToString("O", CultureInfo.InvariantCulture);
        (await TrailAsync(tenant.Admin, $"?from={Uri.EscapeDataString(future)}")).ShouldBeEmpty();
        (await TrailAsync(tenant.Admin, $"?to={Uri.EscapeDataString(future)}&{byViewer}")).Count.ShouldBe(5);
        (await TrailAsync(tenant.Admin, $"?actor={Actor(tenant.Device)}")).ShouldBeEmpty();

        var bad = await (await tenant.Admin.Get("/api/v1/audit?action=peek&from=yesterday&cursor=x")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        bad.Errors().Select(e => e.Field).ShouldBe(["from", "action", "cursor"], ignoreOrder: true);
    }

    [Fact]
    public async Task The_database_refuses_to_update_or_delete_an_audit_entry()
    {
        using var tenant = await Tenant.CreateAsync(Server, "audit-ro");
        (await tenant.Admin.Get("/api/v1/patients/p")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var before = Db.Rows("SELECT * FROM audit_log WHERE customer_id = @c ORDER BY seq", ("@c", "audit-ro"));
        before.ShouldNotBeEmpty();

        Should.Throw<DbException>(() => Db.Execute("UPDATE audit_log SET outcome = '200', actor = 'nobody' WHERE customer_id = @c", ("@c", "audit-ro")))
            .Message.ShouldContain("append-only");
        Should.Throw<DbException>(() => Db.Execute("DELETE FROM audit_log WHERE customer_id = @c", ("@c", "audit-ro")))
            .Message.ShouldContain("append-only");

        Db.Rows("SELECT * FROM audit_log WHERE customer_id = @c ORDER BY seq", ("@c", "audit-ro")).ShouldBe(before);
    }

    [Fact]
    public async Task Only_the_customers_admins_read_its_trail_and_another_customer_sees_none_of_it()
    {
        using var a = await Tenant.CreateAsync(Server, "audit-ten-a");
        using var b = await Tenant.CreateAsync(Server, "audit-ten-b");
        (await a.Admin.Get("/api/v1/patients/p/readings")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await b.Admin.Get("/api/v1/patients/p/readings")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var ownActors = new[] { Actor(b.Admin), Actor(b.Device) };
        var seenByB = await TrailAsync(b.Admin, "?limit=1000");
        seenByB.ShouldNotBeEmpty();
        seenByB.ShouldAllBe(e => ownActors.Contains(e.GetProperty("actor").GetString()));
        (await TrailAsync(b.Admin, $"?actor={Actor(a.Admin)}")).ShouldBeEmpty();
        (await TrailAsync(b.Admin, "?patientId=p")).ShouldAllBe(e => ownActors.Contains(e.GetProperty("actor").GetString()));

        await (await a.Device.Get("/api/v1/audit")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        foreach (var role in new[] { "clinician", "viewer" })
        {
            using var client = Server.Client(await Server.CreateKeyAsync("audit-ten-a", role));
            await (await client.Get("/api/v1/audit")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        }

        using var system = Server.Client(Server.AdminKey);
        await (await system.Get("/api/v1/audit")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task An_HL7_message_is_recorded_with_its_sender_patient_ACK_code_and_address()
    {
        using var tenant = await Tenant.CreateAsync(Server, "audit-hl7");
        await (await tenant.Admin.PutJsonAsync("/api/v1/hl7/senders",
            new { senders = new[] { new { application = "MON-audit", facility = "ICU", addresses = new[] { "127.0.0.1" } } } })).ShouldBeAsync(HttpStatusCode.OK);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p2", name = "Mo", mrn = "MRN-A" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var message = string.Join('\r',
            "MSH|^~\\&|MON-audit|ICU|VIGIL|HOSP|20260301100000+0100||ORU^R01^ORU_R01|AUD-1|P|2.6",
            "PID|||MRN-A^^^HOSP^MR||Doe^John",
            "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||20260301095800+0100") + "\r";
        await using (var mllp = await MllpClient.ConnectAsync(Server.Hl7Port))
        {
            (await mllp.SendAsync(message)).Code.ShouldBe("AA");
            // Stored with the readings, before the AA was sent.
            Db.Scalar("SELECT COUNT(*) FROM audit_log WHERE customer_id = 'audit-hl7' AND interface = 'hl7'").ShouldBe(1);
            (await mllp.SendAsync(message.Replace("|72|", "|73|", StringComparison.Ordinal))).Code.ShouldBe("AE");
        }

        var entries = await TrailAsync(tenant.Admin, "?actor=hl7:MON-audit/ICU");
        entries.Select(e => (Text(e, "actorRole"), Text(e, "interface"), Text(e, "action"), Text(e, "route"), Text(e, "patientId"), Text(e, "outcome"),
                Text(e, "remoteAddress")))
            .ShouldBe([
                ("hl7-sender", "hl7", "create", "MLLP ORU^R01", "p2", "AE", "127.0.0.1"),
                ("hl7-sender", "hl7", "create", "MLLP ORU^R01", "p2", "AA", "127.0.0.1"),
            ]);
    }

    /// <summary>Embedded mode: SQLite.</summary>
    public sealed class Embedded(ServerFixture fixture) : AuditTrailTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : AuditTrailTests(fixture), IClassFixture<DistributedServerFixture>;
}

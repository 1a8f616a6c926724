using System.Net;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests;

/// <summary>Customers, departments, patients and devices: CRUD, and one reference.changes message per change in the same transaction.</summary>
public abstract class ReferenceDataTests(ServerFixture fixture)
{
    private const string Topic = "reference.changes";

    private VigilServer Server => fixture.Server;

    private VigilDatabase Db => fixture.Database;

    /// <summary>Asserts the newest change message under <paramref name="key"/> and returns its body's data.</summary>
    private JsonElement ShouldHaveChange(string key, string entity, string op, string customerId, string id, int count)
    {
        var changes = Db.Log(Topic, key);
        changes.Count.ShouldBe(count, $"change messages under key {key}");
        var body = changes[^1].Body;
        body.GetProperty("entity").GetString().ShouldBe(entity);
        body.GetProperty("op").GetString().ShouldBe(op);
        body.GetProperty("customerId").GetString().ShouldBe(customerId);
        body.GetProperty("id").GetString().ShouldBe(id);
        changes[^1].Envelope.GetProperty("key").GetString().ShouldBe(key);
        return body.GetProperty("data");
    }

    [Fact]
    public async Task A_system_admin_creates_reads_renames_and_deletes_a_customer_and_each_change_is_logged()
    {
        using var system = Server.Client(Server.AdminKey);
        const string key = "ref-cust/customer:ref-cust";

        var created = await (await system.PostJsonAsync("/api/v1/customers", new { id = "ref-cust", name = "St Elsewhere" })).ShouldBeAsync(HttpStatusCode.Created);
        created.GetProperty("id").GetString().ShouldBe("ref-cust");
        ShouldHaveChange(key, "customer", "upserted", "ref-cust", "ref-cust", 1).GetProperty("name").GetString().ShouldBe("St Elsewhere");

        (await (await system.Get("/api/v1/customers/ref-cust")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("name").GetString().ShouldBe("St Elsewhere");

        var renamed = await (await system.PutJsonAsync("/api/v1/customers/ref-cust", new { name = "St Anywhere" })).ShouldBeAsync(HttpStatusCode.OK);
        renamed.GetProperty("name").GetString().ShouldBe("St Anywhere");
        ShouldHaveChange(key, "customer", "upserted", "ref-cust", "ref-cust", 2).GetProperty("name").GetString().ShouldBe("St Anywhere");

        (await system.Delete("/api/v1/customers/ref-cust")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        ShouldHaveChange(key, "customer", "deleted", "ref-cust", "ref-cust", 3);
        await (await system.Get("/api/v1/customers/ref-cust")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_customer_without_an_id_gets_a_generated_one()
    {
        using var system = Server.Client(Server.AdminKey);

        var created = await (await system.PostJsonAsync("/api/v1/customers", new { name = "No id given" })).ShouldBeAsync(HttpStatusCode.Created);

        var id = created.GetProperty("id").GetString()!;
        id.ShouldNotBeNullOrWhiteSpace();
        (await system.Get($"/api/v1/customers/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        ShouldHaveChange($"{id}/customer:{id}", "customer", "upserted", id, id, 1);
    }

    [Fact]
    public async Task A_customer_with_an_id_already_taken_is_refused_with_409_and_nothing_is_logged()
    {
        using var system = Server.Client(Server.AdminKey);
        (await system.PostJsonAsync("/api/v1/customers", new { id = "ref-dup", name = "First" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = Db.LogCount(Topic);

        await (await system.PostJsonAsync("/api/v1/customers", new { id = "ref-dup", name = "Second" })).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Db.LogCount(Topic).ShouldBe(before);
        Db.Text("SELECT name FROM customers WHERE id = 'ref-dup'").ShouldBe("First");
    }

    [Fact]
    public async Task A_customer_that_still_has_data_cannot_be_deleted()
    {
        await Server.CreateCustomerAsync("ref-busy");
        using var system = Server.Client(Server.AdminKey);
        var before = Db.LogCount(Topic);

        await (await system.Delete("/api/v1/customers/ref-busy")).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Db.LogCount(Topic).ShouldBe(before);
        (await system.Get("/api/v1/customers/ref-busy")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_department_is_created_read_listed_renamed_and_deleted_and_each_change_is_logged()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-dept"));
        const string url = "/api/v1/customers/ref-dept/departments";
        const string key = "ref-dept/department:icu";

        (await (await admin.PostJsonAsync(url, new { id = "icu", name = "ICU" })).ShouldBeAsync(HttpStatusCode.Created)).GetProperty("customerId").GetString().ShouldBe("ref-dept");
        ShouldHaveChange(key, "department", "upserted", "ref-dept", "icu", 1).GetProperty("name").GetString().ShouldBe("ICU");
        (await (await admin.Get($"{url}/icu")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("name").GetString().ShouldBe("ICU");
        (await (await admin.Get(url)).ShouldBeAsync(HttpStatusCode.OK)).EnumerateArray().Select(d => d.GetProperty("id").GetString()).ShouldBe(["icu"]);

        (await (await admin.PutJsonAsync($"{url}/icu", new { name = "Intensive care" })).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("name").GetString().ShouldBe("Intensive care");
        ShouldHaveChange(key, "department", "upserted", "ref-dept", "icu", 2).GetProperty("name").GetString().ShouldBe("Intensive care");

        (await admin.Delete($"{url}/icu")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        ShouldHaveChange(key, "department", "deleted", "ref-dept", "icu", 3);
        await (await admin.Get($"{url}/icu")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_department_that_still_has_patients_cannot_be_deleted()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-dept-busy"));
        (await admin.PostJsonAsync("/api/v1/customers/ref-dept-busy/departments", new { id = "ward", name = "Ward" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", departmentId = "ward", name = "Pat" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = Db.LogCount(Topic);

        await (await admin.Delete("/api/v1/customers/ref-dept-busy/departments/ward")).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Db.LogCount(Topic).ShouldBe(before);
        Db.Count("departments", "ref-dept-busy").ShouldBe(1);
    }

    [Fact]
    public async Task A_patient_is_created_with_defaults_read_replaced_and_deleted_and_each_change_is_logged_under_the_patient_key()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-pat"));
        (await admin.PostJsonAsync("/api/v1/customers/ref-pat/departments", new { id = "ward", name = "Ward" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        const string key = "ref-pat/p1";

        var created = await (await admin.PostJsonAsync("/api/v1/patients",
            new { id = "p1", customerId = "ref-pat", departmentId = "ward", mrn = "MRN-1", name = "Ann Smith", birthDate = "1941-05-06" })).ShouldBeAsync(HttpStatusCode.Created);
        created.GetProperty("spo2Scale").GetInt32().ShouldBe(1);
        created.GetProperty("status").GetString().ShouldBe("active");
        created.GetProperty("customerId").GetString().ShouldBe("ref-pat");
        var data = ShouldHaveChange(key, "patient", "upserted", "ref-pat", "p1", 1);
        data.GetProperty("mrn").GetString().ShouldBe("MRN-1");
        data.GetProperty("departmentId").GetString().ShouldBe("ward");

        var read = await (await admin.Get("/api/v1/patients/p1")).ShouldBeAsync(HttpStatusCode.OK);
        read.GetProperty("name").GetString().ShouldBe("Ann Smith");
        read.GetProperty("birthDate").GetString().ShouldBe("1941-05-06");

        var replaced = await (await admin.PutJsonAsync("/api/v1/patients/p1",
            new { departmentId = "ward", mrn = "MRN-1", name = "Ann Smith", birthDate = "1941-05-06", spo2Scale = 2, status = "discharged" })).ShouldBeAsync(HttpStatusCode.OK);
        replaced.GetProperty("spo2Scale").GetInt32().ShouldBe(2);
        replaced.GetProperty("status").GetString().ShouldBe("discharged");
        ShouldHaveChange(key, "patient", "upserted", "ref-pat", "p1", 2).GetProperty("spo2Scale").GetInt32().ShouldBe(2);

        var list = await (await admin.Get("/api/v1/patients?status=discharged")).ShouldBeAsync(HttpStatusCode.OK);
        list.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()).ShouldBe(["p1"]);

        (await admin.Delete("/api/v1/patients/p1")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        ShouldHaveChange(key, "patient", "deleted", "ref-pat", "p1", 3);
        await (await admin.Get("/api/v1/patients/p1")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_patient_without_an_id_gets_a_generated_one()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-pat-gen"));

        var created = await (await admin.PostJsonAsync("/api/v1/patients", new { name = "Generated" })).ShouldBeAsync(HttpStatusCode.Created);

        var id = created.GetProperty("id").GetString()!;
        (await admin.Get($"/api/v1/patients/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        ShouldHaveChange($"ref-pat-gen/{id}", "patient", "upserted", "ref-pat-gen", id, 1);
    }

    [Fact]
    public async Task The_patient_list_pages_through_every_patient_once()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-pat-page"));
        for (var i = 0; i < 7; i++)
        {
            (await admin.PostJsonAsync("/api/v1/patients", new { id = $"p{i}", name = $"Patient {i}" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await (await admin.Get($"/api/v1/patients?limit=3{(cursor is null ? "" : $"&cursor={cursor}")}")).ShouldBeAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        seen.ShouldBe(["p0", "p1", "p2", "p3", "p4", "p5", "p6"]);
    }

    public static TheoryData<string, object, HttpStatusCode, string> RefusedPatients => new()
    {
        { "unknown department", new { id = "x1", departmentId = "nowhere", name = "X" }, HttpStatusCode.UnprocessableEntity, "departmentId" },
        { "duplicate MRN", new { id = "x2", mrn = "TAKEN", name = "X" }, HttpStatusCode.Conflict, "" },
        { "duplicate id", new { id = "existing", name = "X" }, HttpStatusCode.Conflict, "" },
        { "SpO2 scale 3", new { id = "x3", name = "X", spo2Scale = 3 }, HttpStatusCode.UnprocessableEntity, "spo2Scale" },
        { "unknown status", new { id = "x4", name = "X", status = "gone" }, HttpStatusCode.UnprocessableEntity, "status" },
        { "birth date in the future", new { id = "x5", name = "X", birthDate = "2999-01-01" }, HttpStatusCode.UnprocessableEntity, "birthDate" },
        { "birth date not a date", new { id = "x6", name = "X", birthDate = "06/05/1941" }, HttpStatusCode.UnprocessableEntity, "birthDate" },
        { "no name", new { id = "x7" }, HttpStatusCode.UnprocessableEntity, "name" },
        { "bad id", new { id = "has space", name = "X" }, HttpStatusCode.UnprocessableEntity, "id" },
    };

    [Theory]
    [MemberData(nameof(RefusedPatients))]
    public async Task A_refused_patient_change_stores_and_logs_nothing(string why, object body, HttpStatusCode status, string field)
    {
        var customer = "ref-refuse-" + why.Replace(' ', '-');
        using var admin = Server.Client(await Server.CreateCustomerAsync(customer));
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "existing", mrn = "TAKEN", name = "Existing" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = Db.TenantRows(customer);
        var logBefore = Db.LogCount(Topic);

        var problem = await (await admin.PostJsonAsync("/api/v1/patients", body)).ShouldBeProblemAsync(status);

        if (field.Length > 0)
        {
            problem.Errors().Select(e => e.Field).ShouldContain(field);
        }

        Db.LogCount(Topic).ShouldBe(logBefore);
        Db.TenantRows(customer).ShouldBe(before);
    }

    [Fact]
    public async Task Changing_a_patient_to_an_mrn_another_patient_has_is_refused_with_409_and_nothing_changes()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-mrn-put"));
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "a", mrn = "M-A", name = "A" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "b", mrn = "M-B", name = "B" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = Db.TenantRows("ref-mrn-put");

        await (await admin.PutJsonAsync("/api/v1/patients/b", new { mrn = "M-A", name = "B" })).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Db.TenantRows("ref-mrn-put").ShouldBe(before);
    }

    [Fact]
    public async Task The_same_mrn_may_be_used_by_two_customers()
    {
        using var one = Server.Client(await Server.CreateCustomerAsync("ref-mrn-1"));
        using var two = Server.Client(await Server.CreateCustomerAsync("ref-mrn-2"));

        (await one.PostJsonAsync("/api/v1/patients", new { id = "p", mrn = "SHARED", name = "One" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await two.PostJsonAsync("/api/v1/patients", new { id = "p", mrn = "SHARED", name = "Two" })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task A_patient_with_readings_cannot_be_deleted_and_nothing_is_logged()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-pat-data"));
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", name = "Pat" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/readings", new { patientId = "p", type = "heart_rate", value = 60, observedAt = "2026-01-01T00:00:00Z" }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var before = Db.LogCount(Topic);

        await (await admin.Delete("/api/v1/patients/p")).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        Db.LogCount(Topic).ShouldBe(before);
        (await admin.Get("/api/v1/patients/p")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_device_is_created_assigned_to_a_patient_read_and_deleted_and_each_change_is_logged()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-dev"));
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", name = "Pat" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        const string key = "ref-dev/device:d1";

        var created = await (await admin.PostJsonAsync("/api/v1/devices", new { id = "d1", serial = "SN-1", type = "monitor" })).ShouldBeAsync(HttpStatusCode.Created);
        created.GetProperty("serial").GetString().ShouldBe("SN-1");
        ShouldHaveChange(key, "device", "upserted", "ref-dev", "d1", 1).GetProperty("type").GetString().ShouldBe("monitor");

        var assigned = await (await admin.PutJsonAsync("/api/v1/devices/d1", new { serial = "SN-1", type = "monitor", patientId = "p" })).ShouldBeAsync(HttpStatusCode.OK);
        assigned.GetProperty("patientId").GetString().ShouldBe("p");
        ShouldHaveChange(key, "device", "upserted", "ref-dev", "d1", 2).GetProperty("patientId").GetString().ShouldBe("p");
        (await (await admin.Get("/api/v1/devices?patientId=p")).ShouldBeAsync(HttpStatusCode.OK)).EnumerateArray().Select(d => d.GetProperty("id").GetString()).ShouldBe(["d1"]);

        (await admin.Delete("/api/v1/devices/d1")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        ShouldHaveChange(key, "device", "deleted", "ref-dev", "d1", 3);
        await (await admin.Get("/api/v1/devices/d1")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_device_with_an_unknown_patient_or_a_taken_serial_is_refused_and_nothing_is_logged()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-dev-bad"));
        (await admin.PostJsonAsync("/api/v1/devices", new { id = "d1", serial = "SN-1", type = "monitor" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var before = Db.TenantRows("ref-dev-bad");
        var logBefore = Db.LogCount(Topic);

        var unknown = await (await admin.PostJsonAsync("/api/v1/devices", new { id = "d2", serial = "SN-2", type = "monitor", patientId = "ghost" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await admin.PostJsonAsync("/api/v1/devices", new { id = "d3", serial = "SN-1", type = "monitor" })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        await (await admin.PostJsonAsync("/api/v1/devices", new { id = "d4", type = "monitor" })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        unknown.Errors().Select(e => e.Field).ShouldBe(["patientId"]);
        Db.LogCount(Topic).ShouldBe(logBefore);
        Db.TenantRows("ref-dev-bad").ShouldBe(before);
    }

    [Fact]
    public async Task A_reference_body_that_is_not_json_is_refused_with_400()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-bad-json"));

        await (await admin.PostRawAsync("/api/v1/patients", "{\"name\":")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PostRawAsync("/api/v1/patients", "{\"name\": 5}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await admin.PostRawAsync("/api/v1/patients", "null")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Db.Count("patients", "ref-bad-json").ShouldBe(0);
    }

    [Fact]
    public async Task A_device_can_be_unassigned_from_its_patient()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-dev-unassign"));
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", name = "Pat" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/devices", new { id = "d", serial = "SN", type = "monitor", patientId = "p" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        var unassigned = await (await admin.PutJsonAsync("/api/v1/devices/d", new { serial = "SN", type = "monitor" })).ShouldBeAsync(HttpStatusCode.OK);

        unassigned.TryGetProperty("patientId", out var patient).ShouldBeTrue();
        patient.ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task A_patient_can_be_replaced_without_optional_fields()
    {
        using var admin = Server.Client(await Server.CreateCustomerAsync("ref-pat-optional"));
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", mrn = "M", name = "Pat", birthDate = "1950-01-01" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        var replaced = await (await admin.PutJsonAsync("/api/v1/patients/p", new { name = "Pat" })).ShouldBeAsync(HttpStatusCode.OK);

        replaced.GetProperty("mrn").ValueKind.ShouldBe(JsonValueKind.Null);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : ReferenceDataTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : ReferenceDataTests(fixture), IClassFixture<DistributedServerFixture>;
}

using System.Net;
using Vigil.Domain.Log;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>The enrich role joins each reading with its patient, department, customer and device, or dead-letters it with the reason.</summary>
public abstract class EnrichmentTests(ServerFixture fixture)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static object Reading(string id, string patientId, string? deviceId = null) => new
    {
        id, patientId, deviceId, type = "heart_rate", value = 72, observedAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"),
    };

    private async Task<Tenant> TenantAsync(string name)
    {
        var tenant = await Tenant.CreateAsync(fixture.Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        (await tenant.Admin.PostJsonAsync($"/api/v1/customers/{tenant.Id}/departments", new { id = "icu", name = "Intensive care" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await tenant.Admin.PostJsonAsync($"/api/v1/customers/{tenant.Id}/departments", new { id = "ward-3", name = "Ward 3" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await tenant.Admin.PutJsonAsync("/api/v1/patients/p", new { name = "Pat Doe", mrn = "M-1", departmentId = "icu", spo2Scale = 2 })).StatusCode.ShouldBe(HttpStatusCode.OK);
        return tenant;
    }

    [Fact]
    public async Task A_reading_is_enriched_with_its_patient_department_customer_and_device()
    {
        using var tenant = await TenantAsync("enrich");
        await using var watcher = new LogWatcher(fixture.Server, Topics.ReadingsEnriched, Topics.DeadLetters);

        (await tenant.Device.PostJsonAsync("/api/v1/readings", Reading("r1", "p", "d"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var (topic, envelope) = await watcher.ForReadingAsync("r1", Ct);
        topic.ShouldBe(Topics.ReadingsEnriched);
        envelope.Key.ShouldBe(Keys.Patient(tenant.Id, "p"));
        var body = envelope.Body;
        body.GetProperty("value").GetDouble().ShouldBe(72);
        body.GetProperty("patient").GetProperty("mrn").GetString().ShouldBe("M-1");
        body.GetProperty("patient").GetProperty("name").GetString().ShouldBe("Pat Doe");
        body.GetProperty("patient").GetProperty("spo2Scale").GetInt32().ShouldBe(2);
        body.GetProperty("department").GetProperty("id").GetString().ShouldBe("icu");
        body.GetProperty("department").GetProperty("name").GetString().ShouldBe("Intensive care");
        body.GetProperty("customer").GetProperty("id").GetString().ShouldBe(tenant.Id);
        body.GetProperty("device").GetProperty("serial").GetString().ShouldBe($"{tenant.Id}-d");
    }

    [Fact]
    public async Task A_transfer_applies_to_the_very_next_reading_without_a_restart()
    {
        using var tenant = await TenantAsync("transfer");
        await using var watcher = new LogWatcher(fixture.Server, Topics.ReadingsEnriched, Topics.DeadLetters);
        (await tenant.Device.PostJsonAsync("/api/v1/readings", Reading("before", "p"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await watcher.ForReadingAsync("before", Ct)).Envelope.Body.GetProperty("department").GetProperty("id").GetString().ShouldBe("icu");

        (await tenant.Admin.PutJsonAsync("/api/v1/patients/p", new { name = "Pat Doe", mrn = "M-1", departmentId = "ward-3" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await tenant.Device.PostJsonAsync("/api/v1/readings", Reading("after", "p"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var after = (await watcher.ForReadingAsync("after", Ct)).Envelope.Body;
        after.GetProperty("department").GetProperty("id").GetString().ShouldBe("ward-3");
        after.GetProperty("department").GetProperty("name").GetString().ShouldBe("Ward 3");
        after.GetProperty("patient").GetProperty("spo2Scale").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task A_reading_from_a_device_assigned_to_another_patient_is_dead_lettered_and_others_go_on()
    {
        using var tenant = await TenantAsync("device");
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "q", name = "Quinn" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await using var watcher = new LogWatcher(fixture.Server, Topics.ReadingsEnriched, Topics.DeadLetters);

        (await tenant.Device.PostJsonAsync("/api/v1/readings", new[] { Reading("wrong-device", "q", "d"), Reading("fine", "p", "d") })).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var (topic, letter) = await watcher.ForReadingAsync("wrong-device", Ct);
        topic.ShouldBe(Topics.DeadLetters);
        letter.Body.GetProperty("reason").GetString().ShouldBe("device 'd' is not assigned to patient 'q'");
        letter.Body.GetProperty("sourceTopic").GetString().ShouldBe(Topics.ReadingsRaw);
        letter.Body.GetProperty("message").GetProperty("type").GetString().ShouldBe("reading");
        (await watcher.ForReadingAsync("fine", Ct)).Topic.ShouldBe(Topics.ReadingsEnriched);
    }

    [Fact]
    public async Task A_reading_of_a_discharged_patient_is_dead_lettered()
    {
        using var tenant = await TenantAsync("discharged");
        (await tenant.Admin.PutJsonAsync("/api/v1/patients/p", new { name = "Pat Doe", status = "discharged" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var watcher = new LogWatcher(fixture.Server, Topics.ReadingsEnriched, Topics.DeadLetters);

        (await tenant.Device.PostJsonAsync("/api/v1/readings", Reading("late", "p"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);

        var (topic, letter) = await watcher.ForReadingAsync("late", Ct);
        topic.ShouldBe(Topics.DeadLetters);
        letter.Body.GetProperty("reason").GetString().ShouldBe("patient is discharged");
    }

    [Fact]
    public async Task Every_raw_reading_becomes_exactly_one_enriched_reading_or_dead_letter()
    {
        using var tenant = await TenantAsync("once");
        await using var watcher = new LogWatcher(fixture.Server, Topics.ReadingsEnriched, Topics.DeadLetters);
        var ids = Enumerable.Range(0, 300).Select(i => $"once-{i}").ToList();

        foreach (var chunk in ids.Chunk(50))
        {
            (await tenant.Device.PostJsonAsync("/api/v1/readings", chunk.Select(id => Reading(id, "p", "d")).ToArray())).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        await watcher.ForReadingAsync(ids[^1], Ct);
        foreach (var id in ids)
        {
            await watcher.ForReadingAsync(id, Ct);
        }

        watcher.Seen.Where(s => s.Envelope.Key == Keys.Patient(tenant.Id, "p"))
            .Select(s => LogWatcher.ReadingId(s.Topic, s.Envelope)).ShouldBe(ids, ignoreOrder: false);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : EnrichmentTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : EnrichmentTests(fixture), IClassFixture<DistributedServerFixture>;
}

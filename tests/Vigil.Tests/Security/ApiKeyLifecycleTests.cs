using System.Net;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Security;

/// <summary>
/// API keys for devices and services: create, list, rotate, revoke. Rotation gives the same key (id, role, customer)
/// a new secret, shown once; the old secret is refused from the next request on.
/// </summary>
public abstract class ApiKeyLifecycleTests(ServerFixture fixture)
{
    private VigilServer Server => fixture.Server;

    [Fact]
    public async Task Rotating_a_key_keeps_its_id_role_and_customer_shows_the_new_secret_once_and_refuses_the_old_one_at_once()
    {
        var adminKey = await Server.CreateCustomerAsync("rotate-a");
        using var admin = Server.Client(adminKey);
        var created = await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "bedside gateway", role = "device" })).ShouldBeAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var oldKey = created.GetProperty("key").GetString()!;
        using var before = Server.Client(oldKey);
        (await before.PostJsonAsync("/api/v1/readings", Reading("r-before"))).StatusCode.ShouldNotBe(HttpStatusCode.Unauthorized);

        var rotated = await (await admin.PostAsync($"/api/v1/api-keys/{id}/rotate", null, Http.Ct)).ShouldBeAsync(HttpStatusCode.OK);

        var newKey = rotated.GetProperty("key").GetString()!;
        rotated.GetProperty("id").GetString().ShouldBe(id);
        rotated.GetProperty("role").GetString().ShouldBe("device");
        rotated.GetProperty("customerId").GetString().ShouldBe("rotate-a");
        rotated.GetProperty("name").GetString().ShouldBe("bedside gateway");
        newKey.ShouldStartWith($"vgl_{id}_");
        newKey.ShouldNotBe(oldKey);
        await (await before.PostJsonAsync("/api/v1/readings", Reading("r-old"))).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var after = Server.Client(newKey);
        (await after.PostJsonAsync("/api/v1/readings", Reading("r-new"))).StatusCode.ShouldNotBe(HttpStatusCode.Unauthorized);
        var listed = await (await admin.Get("/api/v1/api-keys")).Content.ReadAsStringAsync(Http.Ct);
        listed.ShouldContain(id);
        listed.ShouldNotContain(newKey.Split('_')[2]);
        var one = await (await admin.Get($"/api/v1/api-keys/{id}")).ShouldBeAsync(HttpStatusCode.OK);
        one.TryGetProperty("key", out _).ShouldBeFalse();
        fixture.Database.Scalar("SELECT COUNT(*) FROM readings WHERE customer_id = 'rotate-a' AND id = 'r-old'").ShouldBe(0);
    }

    [Fact]
    public async Task A_revoked_key_cannot_be_rotated_back_to_life_and_another_customers_key_is_not_found()
    {
        var adminKey = await Server.CreateCustomerAsync("rotate-b");
        var otherAdmin = await Server.CreateCustomerAsync("rotate-c");
        using var admin = Server.Client(adminKey);
        using var other = Server.Client(otherAdmin);
        var created = await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "old", role = "viewer" })).ShouldBeAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;

        await (await other.PostAsync($"/api/v1/api-keys/{id}/rotate", null, Http.Ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        using var stillOld = Server.Client(created.GetProperty("key").GetString());
        (await stillOld.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.OK, "a foreign admin's rotation changed nothing");

        (await admin.Delete($"/api/v1/api-keys/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await admin.PostAsync($"/api/v1/api-keys/{id}/rotate", null, Http.Ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsync("/api/v1/api-keys/0123456789abcdef/rotate", null, Http.Ct)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        using var viewer = Server.Client(await Server.CreateKeyAsync("rotate-b", "viewer"));
        await (await viewer.PostAsync($"/api/v1/api-keys/{id}/rotate", null, Http.Ct)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_system_admin_rotates_any_customers_key()
    {
        await Server.CreateCustomerAsync("rotate-d");
        using var system = Server.Client(Server.AdminKey);
        var created = await (await system.PostJsonAsync("/api/v1/api-keys", new { name = "svc", role = "clinician", customerId = "rotate-d" }))
            .ShouldBeAsync(HttpStatusCode.Created);

        var rotated = await (await system.PostAsync($"/api/v1/api-keys/{created.GetProperty("id").GetString()}/rotate", null, Http.Ct))
            .ShouldBeAsync(HttpStatusCode.OK);

        using var client = Server.Client(rotated.GetProperty("key").GetString());
        (await client.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static object Reading(string id) => new { id, patientId = "rotate-pat", type = "heart_rate", value = 70, observedAt = "2026-01-01T00:00:00Z" };

    /// <summary>Embedded mode: SQLite.</summary>
    public sealed class Embedded(ServerFixture fixture) : ApiKeyLifecycleTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : ApiKeyLifecycleTests(fixture), IClassFixture<DistributedServerFixture>;
}

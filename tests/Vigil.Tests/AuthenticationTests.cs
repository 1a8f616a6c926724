using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests;

public sealed partial class AuthenticationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private VigilServer Server => fixture.Server;

    /// <summary>Every route Vigil maps outside /health, with a method; ids need not exist, authentication comes first.</summary>
    public static TheoryData<string, string> ProtectedEndpoints => new()
    {
        { "POST", "/api/v1/customers" },
        { "GET", "/api/v1/customers" },
        { "GET", "/api/v1/customers/x" },
        { "PUT", "/api/v1/customers/x" },
        { "DELETE", "/api/v1/customers/x" },
        { "POST", "/api/v1/customers/x/departments" },
        { "GET", "/api/v1/customers/x/departments" },
        { "GET", "/api/v1/customers/x/departments/d" },
        { "PUT", "/api/v1/customers/x/departments/d" },
        { "DELETE", "/api/v1/customers/x/departments/d" },
        { "POST", "/api/v1/patients" },
        { "GET", "/api/v1/patients" },
        { "GET", "/api/v1/patients/p" },
        { "PUT", "/api/v1/patients/p" },
        { "DELETE", "/api/v1/patients/p" },
        { "POST", "/api/v1/devices" },
        { "GET", "/api/v1/devices" },
        { "GET", "/api/v1/devices/d" },
        { "PUT", "/api/v1/devices/d" },
        { "DELETE", "/api/v1/devices/d" },
        { "POST", "/api/v1/api-keys" },
        { "GET", "/api/v1/api-keys" },
        { "GET", "/api/v1/api-keys/k" },
        { "DELETE", "/api/v1/api-keys/k" },
        { "POST", "/api/v1/api-keys/k/rotate" },
        { "POST", "/api/v1/readings" },
        { "GET", "/api/v1/patients/p/readings" },
        { "POST", "/api/v1/events" },
        { "GET", "/api/v1/events/e" },
        { "GET", "/api/v1/patients/p/aggregates?type=heart_rate&window=1m" },
        { "GET", "/api/v1/patients/p/news2" },
        { "GET", "/api/v1/patients/p/news2/history" },
        { "GET", "/api/v1/dlq" },
        { "POST", "/api/v1/dlq/1/replay" },
        { "PUT", "/api/v1/thresholds" },
        { "GET", "/api/v1/thresholds" },
        { "GET", "/api/v1/thresholds/effective?patientId=p" },
        { "GET", "/api/v1/alerts" },
        { "GET", "/api/v1/alerts/a" },
        { "POST", "/api/v1/alerts/a/acknowledge" },
        { "POST", "/api/v1/alerts/a/resolve" },
        { "GET", "/api/v1/patients/p/timeline" },
        { "GET", "/openapi/v1.json" },
    };

    private static HttpRequestMessage Request(string method, string path) => new(new HttpMethod(method), path)
    {
        Content = method is "POST" or "PUT" ? new StringContent("{}", System.Text.Encoding.UTF8, "application/json") : null,
    };

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task A_request_without_a_key_is_refused_with_401_problem_json(string method, string path)
    {
        using var anonymous = Server.Client();

        var response = await anonymous.SendAsync(Request(method, path), Http.Ct);

        var problem = await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        problem.GetProperty("title").GetString().ShouldNotBeNullOrEmpty();
        response.Headers.WwwAuthenticate.ToString().ShouldContain("X-Api-Key");
    }

    [Theory]
    [MemberData(nameof(ProtectedEndpoints))]
    public async Task A_request_with_a_wrong_key_is_refused_with_401(string method, string path)
    {
        // Right shape, a real key id, a wrong secret: the hash comparison must fail.
        var realId = Server.AdminKey.Split('_')[1];
        using var client = Server.Client($"vgl_{realId}_{new string('0', 64)}");

        var response = await client.SendAsync(Request(method, path), Http.Ct);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("")]
    [InlineData("nonsense")]
    [InlineData("vgl_short_secret")]
    [InlineData("vgl_0123456789abcdef_0000000000000000000000000000000000000000000000000000000000000000")]
    public async Task A_malformed_or_unknown_key_is_refused_with_401(string key)
    {
        using var client = Server.Client(key);

        var response = await client.Get("/api/v1/customers");

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Two_key_headers_are_refused_with_401()
    {
        using var client = Server.Client();
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/customers");
        request.Headers.Add("X-Api-Key", [Server.AdminKey, Server.AdminKey]);

        var response = await client.SendAsync(request, Http.Ct);

        await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("/health/live")]
    [InlineData("/health/ready")]
    public async Task Health_endpoints_answer_200_without_a_key(string path)
    {
        using var anonymous = Server.Client();

        var response = await anonymous.Get(path);

        var body = await response.ShouldBeAsync(HttpStatusCode.OK);
        body.GetProperty("status").GetString().ShouldBe("healthy");
    }

    [Fact]
    public async Task A_key_is_stored_only_as_a_hash_of_its_secret()
    {
        using var admin = Server.Client(Server.AdminKey);
        await Server.CreateCustomerAsync("auth-hash");
        var created = await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "k", role = "viewer", customerId = "auth-hash" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        var key = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString()!;
        var secret = key.Split('_')[2];

        var stored = fixture.Database.Text("SELECT secret_hash FROM api_keys WHERE id = @id", ("@id", id))!;

        stored.ShouldNotContain(secret);
        key.ShouldNotContain(stored);
        stored.ShouldBe(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret))));
        var anywhere = new SqliteVigilDatabase(fixture.Server.DataDir).Snapshot("api_keys", "log");
        anywhere.ShouldNotContain(secret);
    }

    [Fact]
    public async Task A_key_is_shown_at_creation_and_never_again()
    {
        await Server.CreateCustomerAsync("auth-once");
        using var admin = Server.Client(Server.AdminKey);
        var created = await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "once", role = "clinician", customerId = "auth-once" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        var key = created.GetProperty("key").GetString()!;
        var id = created.GetProperty("id").GetString()!;
        key.ShouldStartWith($"vgl_{id}_");
        var secret = key.Split('_')[2];

        var list = await (await admin.Get("/api/v1/api-keys")).Content.ReadAsStringAsync(Http.Ct);
        var one = await (await admin.Get($"/api/v1/api-keys/{id}")).ShouldBeAsync(HttpStatusCode.OK);

        list.ShouldContain(id);
        list.ShouldNotContain(secret);
        one.GetRawText().ShouldNotContain(secret);
        one.TryGetProperty("key", out _).ShouldBeFalse();
        one.TryGetProperty("secretHash", out _).ShouldBeFalse();
        list.ShouldNotContain("secretHash", Case.Insensitive);
    }

    [Fact]
    public async Task A_revoked_key_is_refused_with_401_on_its_next_request()
    {
        await Server.CreateCustomerAsync("auth-revoke");
        using var system = Server.Client(Server.AdminKey);
        var created = await (await system.PostJsonAsync("/api/v1/api-keys", new { name = "soon gone", role = "admin", customerId = "auth-revoke" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        using var doomed = Server.Client(created.GetProperty("key").GetString());
        (await doomed.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.OK);

        (await system.Delete($"/api/v1/api-keys/{created.GetProperty("id").GetString()}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await (await doomed.Get("/api/v1/patients")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await doomed.PostJsonAsync("/api/v1/patients", new { name = "After revocation" })).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        fixture.Database.Count("patients", "auth-revoke").ShouldBe(0);
        var listed = await (await system.Get($"/api/v1/api-keys/{created.GetProperty("id").GetString()}")).ShouldBeAsync(HttpStatusCode.OK);
        listed.GetProperty("revokedAt").ValueKind.ShouldBe(System.Text.Json.JsonValueKind.String);
    }

    [Fact]
    public async Task A_customer_admin_can_revoke_its_own_customers_key()
    {
        var adminKey = await Server.CreateCustomerAsync("auth-self");
        using var admin = Server.Client(adminKey);
        var created = await (await admin.PostJsonAsync("/api/v1/api-keys", new { name = "device", role = "device" })).ShouldBeAsync(HttpStatusCode.Created);
        created.GetProperty("customerId").GetString().ShouldBe("auth-self");
        using var device = Server.Client(created.GetProperty("key").GetString());

        (await admin.Delete($"/api/v1/api-keys/{created.GetProperty("id").GetString()}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await (await device.PostJsonAsync("/api/v1/readings", new { patientId = "p", type = "heart_rate", value = 70, observedAt = "2026-01-01T00:00:00Z" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        (await admin.Delete($"/api/v1/api-keys/{created.GetProperty("id").GetString()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_openapi_document_needs_a_key_and_lists_every_api_path()
    {
        using var anonymous = Server.Client();
        await (await anonymous.Get("/openapi/v1.json")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        var viewerKey = await Server.CreateCustomerAsync("auth-openapi", "viewer");
        using var viewer = Server.Client(viewerKey);

        var document = await (await viewer.Get("/openapi/v1.json")).ShouldBeAsync(HttpStatusCode.OK);

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        // Every /api route the app maps is documented, and nothing else: read from the app's own endpoints, so a new
        // endpoint cannot be left out of the document unnoticed.
        var mapped = Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => "/" + RouteConstraint().Replace(e.RoutePattern.RawText!.Trim('/'), "}"))
            .Where(p => p.StartsWith("/api/", StringComparison.Ordinal))
            .Distinct().ToList();
        mapped.Count.ShouldBeGreaterThan(40);
        paths.ShouldBe(mapped, ignoreOrder: true);
    }

    /// <summary>A route parameter's constraint (<c>{id:guid}</c>), which OpenAPI paths leave out.</summary>
    [GeneratedRegex(@":[^}]+\}")]
    private static partial Regex RouteConstraint();
}

using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing;
using Vigil.Processing.Events;
using Vigil.Security;
using Vigil.Tests.Infrastructure;
using Vigil.Tests.Security;

namespace Vigil.Tests;

/// <summary>
/// The role matrix and tenant isolation, walked over every endpoint: each role of customer A, the system admin, and
/// customer A's admin aimed at customer B's ids. Expectations are written here from the issue, not read from the code.
/// </summary>
public abstract class AccessMatrixTests(ServerFixture fixture)
{
    private const string A = "walk-a";
    private const string B = "walk-b";
    private const string ObservedAt = "2026-01-01T08:00:00Z";

    private sealed record Call(string Method, string Path, object? Body = null);

    /// <summary>
    /// One endpoint: the policy guarding it, the status an admitted caller gets, the call customer A's callers make
    /// (given a fresh number for unique ids; may first create what it deletes), and A's admin's call at B's data with
    /// the status it must get.
    /// </summary>
    private sealed record Endpoint(
        string Name, string Policy, HttpStatusCode Success, Func<int, Task<Call>> Own, Call Foreign, HttpStatusCode ForeignStatus);

    private static bool Admits(string policy, string role, bool isSystemKey) => ExpectedMatrix.Admits(policy, role, isSystemKey);

    [Fact]
    public void The_matrix_this_test_walks_is_the_one_the_host_enforces()
    {
        foreach (var (policy, roles) in Access.RolesByPolicy)
        {
            ExpectedMatrix.Policies[policy].Roles.ShouldBe(roles, ignoreOrder: true, policy);
        }
    }

    [Fact]
    public async Task Every_endpoint_answers_each_role_as_the_matrix_says_and_never_reveals_or_touches_another_customers_data()
    {
        var server = fixture.Server;
        using var system = server.Client(server.AdminKey);
        var keys = new Dictionary<string, string>();
        foreach (var role in new[] { "admin", "clinician", "viewer", "device" })
        {
            keys[role] = role == "admin" ? await server.CreateCustomerAsync(A) : await server.CreateKeyAsync(A, role);
        }

        var bAdminKey = await server.CreateCustomerAsync(B);
        var bKeyId = bAdminKey.Split('_')[1];
        var aViewerKeyId = keys["viewer"].Split('_')[1];
        using var aAdmin = server.Client(keys["admin"]);
        using var bAdmin = server.Client(bAdminKey);
        await SeedAsync(aAdmin, A);
        await SeedAsync(bAdmin, B);
        var aAlert = await AlertIdAsync(aAdmin, $"{A}-pat");
        var bAlert = await AlertIdAsync(bAdmin, $"{B}-pat");
        var aSubscription = await SubscriptionIdAsync(aAdmin);
        var bSubscription = await SubscriptionIdAsync(bAdmin);
        var bBefore = fixture.Database.TenantRows(B);
        bBefore.ShouldNotBeEmpty();

        var n = 0;
        async Task<Call> Created(HttpClient by, string url, object body, string path)
        {
            (await by.PostJsonAsync(url, body)).StatusCode.ShouldBe(HttpStatusCode.Created, url);
            return new Call("DELETE", path);
        }

        Endpoint[] endpoints =
        [
            // First, while A's trail holds no attempt at B's ids (later ones are A's own record of them, and name B).
            new("read audit trail", Access.Manage, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/audit")),
                new Call("GET", $"/api/v1/audit?patientId={B}-pat"), HttpStatusCode.OK),
            new("create customer", Access.System, HttpStatusCode.Created,
                i => Task.FromResult(new Call("POST", "/api/v1/customers", new { id = $"walk-new-{i}", name = "New" })),
                new Call("POST", "/api/v1/customers", new { id = B, name = "Taken over" }), HttpStatusCode.Forbidden),
            new("list customers", Access.Customers, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/customers")),
                new Call("GET", "/api/v1/customers"), HttpStatusCode.OK),
            new("get customer", Access.Customers, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/customers/{A}")),
                new Call("GET", $"/api/v1/customers/{B}"), HttpStatusCode.NotFound),
            new("rename customer", Access.Keys, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("PUT", $"/api/v1/customers/{A}", new { name = $"Customer {A}" })),
                new Call("PUT", $"/api/v1/customers/{B}", new { name = "Renamed by A" }), HttpStatusCode.NotFound),
            new("delete customer", Access.System, HttpStatusCode.NoContent,
                i => Created(system, "/api/v1/customers", new { id = $"walk-tmp-{i}", name = "Temporary" }, $"/api/v1/customers/walk-tmp-{i}"),
                new Call("DELETE", $"/api/v1/customers/{B}"), HttpStatusCode.Forbidden),
            new("create department", Access.Manage, HttpStatusCode.Created,
                i => Task.FromResult(new Call("POST", $"/api/v1/customers/{A}/departments", new { id = $"dept-{i}", name = "Ward" })),
                new Call("POST", $"/api/v1/customers/{B}/departments", new { id = "dept-from-a", name = "Ward" }), HttpStatusCode.NotFound),
            new("list departments", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/customers/{A}/departments")),
                new Call("GET", $"/api/v1/customers/{B}/departments"), HttpStatusCode.NotFound),
            new("get department", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/customers/{A}/departments/{A}-dept")),
                new Call("GET", $"/api/v1/customers/{B}/departments/{B}-dept"), HttpStatusCode.NotFound),
            new("update department", Access.Manage, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("PUT", $"/api/v1/customers/{A}/departments/{A}-dept", new { name = "Ward of " + A })),
                new Call("PUT", $"/api/v1/customers/{B}/departments/{B}-dept", new { name = "Renamed by A" }), HttpStatusCode.NotFound),
            new("delete department", Access.Manage, HttpStatusCode.NoContent,
                i => Created(aAdmin, $"/api/v1/customers/{A}/departments", new { id = $"tmp-{i}", name = "Temporary" }, $"/api/v1/customers/{A}/departments/tmp-{i}"),
                new Call("DELETE", $"/api/v1/customers/{B}/departments/{B}-dept"), HttpStatusCode.NotFound),
            new("create patient", Access.Manage, HttpStatusCode.Created,
                i => Task.FromResult(new Call("POST", "/api/v1/patients", new { id = $"{A}-p-{i}", name = "Pat" })),
                new Call("POST", "/api/v1/patients", new { id = "smuggled", customerId = B, name = "Pat" }), HttpStatusCode.NotFound),
            new("list patients", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/patients")),
                new Call("GET", $"/api/v1/patients?departmentId={B}-dept"), HttpStatusCode.OK),
            new("get patient", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/patients/{A}-pat")),
                new Call("GET", $"/api/v1/patients/{B}-pat"), HttpStatusCode.NotFound),
            new("update patient", Access.Manage, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("PUT", $"/api/v1/patients/{A}-pat", PatientBody(A))),
                new Call("PUT", $"/api/v1/patients/{B}-pat", new { name = "Renamed by A" }), HttpStatusCode.NotFound),
            new("delete patient", Access.Manage, HttpStatusCode.NoContent,
                i => Created(aAdmin, "/api/v1/patients", new { id = $"tmp-{i}", name = "Temporary" }, $"/api/v1/patients/tmp-{i}"),
                new Call("DELETE", $"/api/v1/patients/{B}-pat"), HttpStatusCode.NotFound),
            new("create device", Access.Manage, HttpStatusCode.Created,
                i => Task.FromResult(new Call("POST", "/api/v1/devices", new { id = $"dev-{i}", serial = $"S-{i}", type = "monitor" })),
                new Call("POST", "/api/v1/devices", new { id = "dev-on-b", serial = "S-B", type = "monitor", patientId = $"{B}-pat" }),
                HttpStatusCode.UnprocessableEntity),
            new("list devices", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/devices")),
                new Call("GET", $"/api/v1/devices?patientId={B}-pat"), HttpStatusCode.OK),
            new("get device", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/devices/{A}-dev")),
                new Call("GET", $"/api/v1/devices/{B}-dev"), HttpStatusCode.NotFound),
            new("update device", Access.Manage, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("PUT", $"/api/v1/devices/{A}-dev", new { serial = $"{A}-serial", type = "monitor", patientId = $"{A}-pat" })),
                new Call("PUT", $"/api/v1/devices/{B}-dev", new { serial = "taken", type = "monitor" }), HttpStatusCode.NotFound),
            new("delete device", Access.Manage, HttpStatusCode.NoContent,
                i => Created(aAdmin, "/api/v1/devices", new { id = $"tmp-{i}", serial = $"TMP-{i}", type = "monitor" }, $"/api/v1/devices/tmp-{i}"),
                new Call("DELETE", $"/api/v1/devices/{B}-dev"), HttpStatusCode.NotFound),
            new("create api key", Access.Keys, HttpStatusCode.Created,
                i => Task.FromResult(new Call("POST", "/api/v1/api-keys", new { name = $"key-{i}", role = "viewer", customerId = A })),
                new Call("POST", "/api/v1/api-keys", new { name = "into b", role = "admin", customerId = B }), HttpStatusCode.NotFound),
            new("list api keys", Access.Keys, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/api-keys")),
                new Call("GET", "/api/v1/api-keys"), HttpStatusCode.OK),
            new("get api key", Access.Keys, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/api-keys/{aViewerKeyId}")),
                new Call("GET", $"/api/v1/api-keys/{bKeyId}"), HttpStatusCode.NotFound),
            new("revoke api key", Access.Keys, HttpStatusCode.NoContent,
                async i =>
                {
                    var created = await (await system.PostJsonAsync("/api/v1/api-keys", new { name = $"tmp-{i}", role = "viewer", customerId = A }))
                        .ShouldBeAsync(HttpStatusCode.Created);
                    return new Call("DELETE", $"/api/v1/api-keys/{created.GetProperty("id").GetString()}");
                },
                new Call("DELETE", $"/api/v1/api-keys/{bKeyId}"), HttpStatusCode.NotFound),
            new("rotate api key", Access.Keys, HttpStatusCode.OK,
                async i =>
                {
                    var created = await (await system.PostJsonAsync("/api/v1/api-keys", new { name = $"rot-{i}", role = "viewer", customerId = A }))
                        .ShouldBeAsync(HttpStatusCode.Created);
                    return new Call("POST", $"/api/v1/api-keys/{created.GetProperty("id").GetString()}/rotate");
                },
                new Call("POST", $"/api/v1/api-keys/{bKeyId}/rotate"), HttpStatusCode.NotFound),
            new("post readings", Access.Ingest, HttpStatusCode.Accepted,
                i => Task.FromResult(new Call("POST", "/api/v1/readings", Reading($"r-{i}", $"{A}-pat"))),
                new Call("POST", "/api/v1/readings", Reading("r-into-b", $"{B}-pat")), HttpStatusCode.UnprocessableEntity),
            new("query readings", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/patients/{A}-pat/readings")),
                new Call("GET", $"/api/v1/patients/{B}-pat/readings"), HttpStatusCode.NotFound),
            new("post events", Access.Ingest, HttpStatusCode.Accepted,
                i => Task.FromResult(new Call("POST", "/api/v1/events", Event($"e-{i}", $"{A}-pat"))),
                new Call("POST", "/api/v1/events", Event("e-into-b", $"{B}-pat")), HttpStatusCode.UnprocessableEntity),
            new("get event", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/events/{A}-event")),
                new Call("GET", $"/api/v1/events/{B}-event"), HttpStatusCode.NotFound),
            new("news2 score", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/patients/{A}-pat/news2")),
                new Call("GET", $"/api/v1/patients/{B}-pat/news2"), HttpStatusCode.NotFound),
            new("news2 history", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/patients/{A}-pat/news2/history")),
                new Call("GET", $"/api/v1/patients/{B}-pat/news2/history"), HttpStatusCode.NotFound),
            new("put thresholds", Access.Care, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("PUT", "/api/v1/thresholds", Thresholds($"{A}-pat"))),
                new Call("PUT", "/api/v1/thresholds", Thresholds($"{B}-pat")), HttpStatusCode.UnprocessableEntity),
            new("list thresholds", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/thresholds")),
                new Call("GET", "/api/v1/thresholds"), HttpStatusCode.OK),
            new("effective thresholds", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/thresholds/effective?patientId={A}-pat")),
                new Call("GET", $"/api/v1/thresholds/effective?patientId={B}-pat"), HttpStatusCode.NotFound),
            new("put anomaly rules", Access.Care, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("PUT", "/api/v1/anomaly-rules", AnomalyRules($"{A}-pat"))),
                new Call("PUT", "/api/v1/anomaly-rules", AnomalyRules($"{B}-pat")), HttpStatusCode.UnprocessableEntity),
            new("list anomaly rules", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/anomaly-rules")),
                new Call("GET", "/api/v1/anomaly-rules"), HttpStatusCode.OK),
            new("effective anomaly rules", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/anomaly-rules/effective?patientId={A}-pat")),
                new Call("GET", $"/api/v1/anomaly-rules/effective?patientId={B}-pat"), HttpStatusCode.NotFound),
            new("trends", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/patients/{A}-pat/trends")),
                new Call("GET", $"/api/v1/patients/{B}-pat/trends"), HttpStatusCode.NotFound),
            new("baselines", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/patients/{A}-pat/baselines")),
                new Call("GET", $"/api/v1/patients/{B}-pat/baselines"), HttpStatusCode.NotFound),
            new("list alerts", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/alerts")),
                new Call("GET", $"/api/v1/alerts?patientId={B}-pat"), HttpStatusCode.OK),
            new("get alert", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/alerts/{aAlert}")),
                new Call("GET", $"/api/v1/alerts/{bAlert}"), HttpStatusCode.NotFound),
            new("acknowledge alert", Access.Care, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("POST", $"/api/v1/alerts/{aAlert}/acknowledge")),
                new Call("POST", $"/api/v1/alerts/{bAlert}/acknowledge"), HttpStatusCode.NotFound),
            new("resolve alert", Access.Care, HttpStatusCode.OK,
                async i =>
                {
                    // A fresh alert each time: a resolved alert cannot be resolved again.
                    (await aAdmin.PostJsonAsync("/api/v1/patients", new { id = $"res-{i}", name = "To resolve" })).StatusCode.ShouldBe(HttpStatusCode.Created);
                    await PostAndWaitAsync(aAdmin, A, new { id = $"res-{i}-r", patientId = $"res-{i}", type = "respiratory_rate", value = 30, observedAt = ObservedAt });
                    return new Call("POST", $"/api/v1/alerts/{await AlertIdAsync(aAdmin, $"res-{i}")}/resolve");
                },
                new Call("POST", $"/api/v1/alerts/{bAlert}/resolve"), HttpStatusCode.NotFound),
            new("patient timeline", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"/api/v1/patients/{A}-pat/timeline")),
                new Call("GET", $"/api/v1/patients/{B}-pat/timeline"), HttpStatusCode.NotFound),
            new("list dead letters", Access.Manage, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/dlq")),
                new Call("GET", "/api/v1/dlq"), HttpStatusCode.OK),
            new("create webhook subscription", Access.Manage, HttpStatusCode.Created,
                _ => Task.FromResult(new Call("POST", Hooks, HookBody)),
                new Call("PUT", $"{Hooks}/{bSubscription}", HookBody), HttpStatusCode.NotFound),
            new("list webhook subscriptions", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", Hooks)),
                new Call("GET", Hooks), HttpStatusCode.OK),
            new("get webhook subscription", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", $"{Hooks}/{aSubscription}")),
                new Call("GET", $"{Hooks}/{bSubscription}"), HttpStatusCode.NotFound),
            new("update webhook subscription", Access.Manage, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("PUT", $"{Hooks}/{aSubscription}", new { url = "http://127.0.0.1:9/hook" })),
                new Call("PUT", $"{Hooks}/{bSubscription}", new { url = "http://127.0.0.1:9/hook" }), HttpStatusCode.NotFound),
            new("delete webhook subscription", Access.Manage, HttpStatusCode.NoContent,
                async _ => new Call("DELETE", $"{Hooks}/{await SubscriptionIdAsync(aAdmin)}"),
                new Call("DELETE", $"{Hooks}/{bSubscription}"), HttpStatusCode.NotFound),
            new("list webhook deliveries", Access.Read, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/api/v1/notifications/deliveries")),
                new Call("GET", $"/api/v1/notifications/deliveries?subscriptionId={bSubscription}"), HttpStatusCode.OK),
            new("openapi document", Access.Any, HttpStatusCode.OK,
                _ => Task.FromResult(new Call("GET", "/openapi/v1.json")),
                new Call("GET", "/openapi/v1.json"), HttpStatusCode.OK),
        ];

        var callers = keys.Select(k => (Name: $"{A} {k.Key}", Role: k.Key, System: false, Key: k.Value))
            .Append((Name: "system admin", Role: "admin", System: true, Key: server.AdminKey))
            .ToList();
        var failures = new List<string>();
        foreach (var endpoint in endpoints)
        {
            foreach (var caller in callers)
            {
                using var client = server.Client(caller.Key);
                var call = await endpoint.Own(++n);
                var expected = Admits(endpoint.Policy, caller.Role, caller.System) ? endpoint.Success : HttpStatusCode.Forbidden;
                var (status, body) = await SendAsync(client, call);
                if (status != expected)
                {
                    failures.Add($"{endpoint.Name} as {caller.Name}: {call.Method} {call.Path} -> {(int)status}, expected {(int)expected}: {body}");
                }

                if (!caller.System && (int)status < 300 && body.Contains(B, StringComparison.Ordinal))
                {
                    failures.Add($"{endpoint.Name} as {caller.Name}: the answer shows customer {B}'s data: {body}");
                }
            }

            var (foreignStatus, foreignBody) = await SendAsync(aAdmin, endpoint.Foreign);
            if (foreignStatus != endpoint.ForeignStatus)
            {
                failures.Add($"{endpoint.Name} by {A} admin at {B}: {endpoint.Foreign.Method} {endpoint.Foreign.Path} -> {(int)foreignStatus}, expected {(int)endpoint.ForeignStatus}: {foreignBody}");
            }

            if ((int)foreignStatus < 300 && foreignBody.Contains(B, StringComparison.Ordinal))
            {
                failures.Add($"{endpoint.Name} by {A} admin at {B}: the answer shows customer {B}'s data: {foreignBody}");
            }
        }

        failures.ShouldBeEmpty();
        fixture.Database.TenantRows(B).ShouldBe(bBefore);
        foreach (var table in new[] { "readings", "events", "devices" })
        {
            fixture.Database.Scalar($"SELECT COUNT(*) FROM {table} WHERE patient_id = @p AND customer_id <> @b", ("@p", $"{B}-pat"), ("@b", B))
                .ShouldBe(0, $"{table} naming {B}'s patient under another customer");
        }

        fixture.Database.Scalar("SELECT COUNT(*) FROM patients WHERE id = 'smuggled'").ShouldBe(0);
        (await bAdmin.Get($"/api/v1/patients/{B}-pat")).StatusCode.ShouldBe(HttpStatusCode.OK, $"{B}'s own key still works and sees its patient");
    }

    private static object PatientBody(string customer) =>
        new { id = $"{customer}-pat", departmentId = $"{customer}-dept", mrn = $"{customer}-MRN", name = $"Patient of {customer}", birthDate = "1950-02-03" };

    private static object Reading(string id, string patientId) =>
        new { id, patientId, type = "heart_rate", value = 70, observedAt = ObservedAt };

    private static object Thresholds(string patientId) =>
        new { scope = new { patientId }, rules = new[] { new { type = "heart_rate", low = 45, high = 120 } } };

    private static object AnomalyRules(string patientId) =>
        new { scope = new { patientId }, rules = new[] { new { type = "heart_rate", k = 4 } } };

    /// <summary>Posts a reading and waits until every member reading readings has committed it, so the customer's rows stop changing.</summary>
    private async Task PostAndWaitAsync(HttpClient admin, string customer, object reading)
    {
        var id = (string)reading.GetType().GetProperty("id")!.GetValue(reading)!;
        var members = fixture.Server.Services.GetServices<IHostedService>().OfType<LogConsumerService>()
            .Where(m => m is not Vigil.Notifications.Notifier).ToList(); // it reads alerts, not readings
        var handled = members.Select(m => m.WhenHandled(customer, id)).ToList();
        (await admin.PostJsonAsync("/api/v1/readings", reading)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
    }

    private const string Hooks = "/api/v1/notifications/subscriptions";

    private static readonly object HookBody = new { url = "http://127.0.0.1:9/hook", secret = "a-long-enough-secret", minSeverity = "high" };

    /// <summary>A new webhook subscription of the admin's customer (to an address nothing listens on: no alert is raised meanwhile).</summary>
    private static async Task<string> SubscriptionIdAsync(HttpClient admin) =>
        (await (await admin.PostJsonAsync(Hooks, HookBody)).ShouldBeAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

    /// <summary>The id of the patient's respiratory-rate threshold alert.</summary>
    private static async Task<string> AlertIdAsync(HttpClient admin, string patientId) =>
        (await (await admin.Get($"/api/v1/alerts?patientId={patientId}&rule=threshold:respiratory_rate")).ShouldBeAsync(HttpStatusCode.OK))
        .GetProperty("items")[0].GetProperty("id").GetString()!;

    private static object Event(string eventId, string patientId) =>
        new { eventId, patientId, type = "note", data = new { text = "hello" }, ts = ObservedAt };

    /// <summary>A customer's department, patient, device, readings (one raising an alert), thresholds and event, created by its own admin.</summary>
    private async Task SeedAsync(HttpClient admin, string customer)
    {
        // The event is processed in the background (its status changes): wait for that before B's rows are compared.
        var processed = fixture.Server.Services.GetRequiredService<EventProcessor>().WhenHandled(customer, $"{customer}-event");
        (await admin.PostJsonAsync($"/api/v1/customers/{customer}/departments", new { id = $"{customer}-dept", name = $"Ward of {customer}" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/patients", PatientBody(customer))).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/devices", new { id = $"{customer}-dev", serial = $"{customer}-serial", type = "monitor", patientId = $"{customer}-pat" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/readings", Reading($"{customer}-r1", $"{customer}-pat"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await admin.PostJsonAsync("/api/v1/events", Event($"{customer}-event", $"{customer}-pat"))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await processed.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        (await admin.PutJsonAsync("/api/v1/thresholds", Thresholds($"{customer}-pat"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        await PostAndWaitAsync(admin, customer, new { id = $"{customer}-r2", patientId = $"{customer}-pat", type = "respiratory_rate", value = 30, observedAt = ObservedAt });
    }

    private static async Task<(HttpStatusCode Status, string Body)> SendAsync(HttpClient client, Call call)
    {
        using var request = new HttpRequestMessage(new HttpMethod(call.Method), call.Path)
        {
            Content = call.Body is null ? null : JsonContent.Create(call.Body),
        };
        using var response = await client.SendAsync(request, Http.Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Http.Ct));
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : AccessMatrixTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : AccessMatrixTests(fixture), IClassFixture<DistributedServerFixture>;
}

using System.Net;
using System.Text.Json;
using Vigil.Simulation;
using Vigil.Tests.Infrastructure;
using Vigil.Tests.Notifications;

namespace Vigil.Tests.Security;

/// <summary>
/// The role matrix over every endpoint the server maps (<see cref="EndpointWalk"/>), by API key and by bearer token,
/// with customer B's resources seeded so that A's callers can be aimed at them; B's rows are the same afterwards.
/// </summary>
public abstract class EndpointWalkTests(BearerServerFixture fixture)
{
    private const string A = "ewalk-a";
    private const string B = "ewalk-b";

    [Fact]
    public async Task Every_mapped_endpoint_refuses_strangers_and_wrong_roles_and_answers_a_foreign_resource_as_a_missing_one()
    {
        var server = fixture.Server;
        await using var receiver = await WebhookReceiver.StartAsync();
        var walk = await PrepareAsync(server, fixture.Tokens, A, B, receiver);
        var before = fixture.Database.TenantRows(B);

        await walk.WalkAsync();

        TestContext.Current.TestOutputHelper?.WriteLine($"{walk.Routes.Count} routes, {walk.Calls.All} calls, {walk.Calls.Foreign} at {B}'s resources");
        walk.Failures.ShouldBeEmpty();
        walk.NotAimed.ShouldBe(["POST /api/v1/dlq/{id:long}/replay"]);
        fixture.Database.TenantRows(B).ShouldBe(before);
        var walked = walk.Routes.Select(r => r.Pattern.RawText!).ToList();
        foreach (var expected in new[]
                 {
                     "/fhir/Observation", "/api/v1/dashboard/stream", "/api/v1/notifications/subscriptions/{id}",
                     "/vigil.v1.IngestService/IngestBatch", "/vigil.v1.AlertService/Watch", "/api/v1/api-keys/{id}/rotate",
                 })
        {
            walked.ShouldContain(p => p.TrimStart('/') == expected.TrimStart('/'), $"{expected} is mapped and walked");
        }
    }

    /// <summary>
    /// Customers A and B; B with a department, patient, device, health goal, reading, event, alert, webhook subscription
    /// and delivery.
    /// B has no dead letter (making one needs a patient deleted while its reading is on its way, DeadLetterTests does
    /// that and checks another customer's replay is 404), so the walk aims no call at B's dead letters.
    /// </summary>
    internal static async Task<EndpointWalk> PrepareAsync(VigilServer server, TokenIssuer tokens, string a, string b, WebhookReceiver receiver)
    {
        var walk = new EndpointWalk(server, tokens, a, b);
        walk.ReadRoutes();
        await server.CreateCustomerAsync(a);
        var bAdminKey = await server.CreateCustomerAsync(b);
        using var bAdmin = server.Client(bAdminKey);
        var ids = await SeedAsync(bAdmin, b, receiver);
        walk.Foreign["customers"] = b;
        walk.Foreign["departments"] = $"{b}-dept";
        walk.Foreign["patients"] = $"{b}-pat";
        walk.Foreign["devices"] = $"{b}-dev";
        walk.Foreign["events"] = $"{b}-event";
        walk.Foreign["Observation"] = $"{b}-r1";
        walk.Foreign["api-keys"] = bAdminKey.Split('_')[1];
        foreach (var (kind, id) in ids)
        {
            walk.Foreign[kind] = id;
        }

        return walk;
    }

    private static async Task<Dictionary<string, string>> SeedAsync(HttpClient admin, string customer, WebhookReceiver receiver)
    {
        const string at = "2026-01-01T08:00:00Z";
        var subscription = await (await admin.PostJsonAsync("/api/v1/notifications/subscriptions", new { url = receiver.Url, secret = receiver.Secret, minSeverity = "low" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        (await admin.PostJsonAsync($"/api/v1/customers/{customer}/departments", new { id = $"{customer}-dept", name = "Ward" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/patients", new { id = $"{customer}-pat", departmentId = $"{customer}-dept", name = $"Patient of {customer}" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/devices", new { id = $"{customer}-dev", serial = $"{customer}-serial", type = "monitor", patientId = $"{customer}-pat" }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        var goal = await (await admin.PostJsonAsync($"/api/v1/patients/{customer}-pat/goals", new { kind = "steps_per_day", target = 8000 }))
            .ShouldBeAsync(HttpStatusCode.Created);
        (await admin.PutJsonAsync("/api/v1/thresholds", new { scope = new { patientId = $"{customer}-pat" }, rules = new[] { new { type = "respiratory_rate", low = 8, high = 25 } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.PostJsonAsync("/api/v1/readings", new { id = $"{customer}-r1", patientId = $"{customer}-pat", type = "respiratory_rate", value = 30, observedAt = at }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await admin.PostJsonAsync("/api/v1/events", new { eventId = $"{customer}-event", patientId = $"{customer}-pat", type = "note", data = new { text = "hello" }, ts = at }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);

        // Processing runs in the background: wait (with a deadline) until the alert, its deliveries, the dead letter
        // and the event's outcome are there, so that B's rows stop changing before the walk.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            var alerts = await (await admin.Get($"/api/v1/alerts?patientId={customer}-pat")).JsonAsync();
            var deliveries = await (await admin.Get("/api/v1/notifications/deliveries")).JsonAsync();
            var ev = await (await admin.Get($"/api/v1/events/{customer}-event")).JsonAsync();
            var delivered = deliveries.GetProperty("items").EnumerateArray().ToList();
            if (alerts.GetProperty("items").GetArrayLength() > 0 && delivered.Count > 0 && delivered.All(d => d.GetProperty("status").GetString() == "delivered")
                && ev.TryGetProperty("status", out var status) && status.GetString() is not ("received" or "processing"))
            {
                return new Dictionary<string, string>
                {
                    ["alerts"] = alerts.GetProperty("items")[0].GetProperty("id").GetString()!,
                    ["subscriptions"] = subscription.GetProperty("id").GetString()!,
                    ["goals"] = goal.GetProperty("id").GetString()!,
                    ["deliveries"] = delivered[0].GetProperty("id").GetString()!,
                };
            }

            await Task.Delay(50, deadline.Token);
        }
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(BearerServerFixture fixture) : EndpointWalkTests(fixture), IClassFixture<BearerServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedBearerServerFixture fixture) : EndpointWalkTests(fixture), IClassFixture<DistributedBearerServerFixture>;
}

/// <summary>The same walk on a server running the demo ward, whose simulator control API is mapped only then.</summary>
public sealed class DemoEndpointWalkTests
{
    [Fact]
    public async Task The_simulator_control_endpoints_are_walked_as_well()
    {
        using var tokens = new TokenIssuer();
        var settings = new Dictionary<string, string?>(tokens.Settings) { [SimulationModule.DemoSetting] = "true" };
        await using var server = await VigilServer.StartAsync(settings: settings);
        await using var receiver = await WebhookReceiver.StartAsync();
        var walk = await EndpointWalkTests.PrepareAsync(server, tokens, "dwalk-a", "dwalk-b", receiver);

        await walk.WalkAsync();

        TestContext.Current.TestOutputHelper?.WriteLine($"{walk.Routes.Count} routes, {walk.Calls.All} calls, {walk.Calls.Foreign} at dwalk-b's resources");
        walk.Failures.ShouldBeEmpty();
        walk.NotAimed.ShouldBe(["POST /api/v1/dlq/{id:long}/replay"]);
        walk.Routes.Count(r => r.Pattern.RawText!.Contains("simulator", StringComparison.Ordinal)).ShouldBeGreaterThanOrEqualTo(4);
    }
}

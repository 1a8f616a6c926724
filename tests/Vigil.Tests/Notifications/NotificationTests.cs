using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Polly.CircuitBreaker;
using Vigil.Notifications;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Notifications;

/// <summary>
/// Alert webhooks end to end: readings that breach a threshold raise alerts, alert actions go through the API, and
/// the notify role posts each transition to a real HTTP receiver on 127.0.0.1 that checks the signature with the
/// secret and fails, hangs or recovers as a test tells it. Waits are on the receiver's requests or on the delivery
/// log reaching a state, with deadlines; never on the clock.
/// </summary>
public abstract class NotificationTests(NotificationServerFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    // Whole seconds, thirty minutes back, as in the alert tests: readings are recent but never in the future.
    private static readonly DateTimeOffset T = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeSeconds());

    private const string Subscriptions = "/api/v1/notifications/subscriptions";
    private const string Deliveries = "/api/v1/notifications/deliveries";

    /// <summary>A customer whose heart-rate limit is 100 (severity high), so a reading of 105 raises one threshold alert and no NEWS2 alert.</summary>
    private async Task<Tenant> TenantAsync(string name)
    {
        var tenant = await Tenant.CreateAsync(fixture.Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        (await tenant.Admin.PutJsonAsync("/api/v1/thresholds",
                new { scope = new { customerId = tenant.Id }, rules = new[] { new { type = "heart_rate", low = 40, high = 100, severity = "high" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        return tenant;
    }

    private static async Task<string> SubscribeAsync(Tenant tenant, WebhookReceiver receiver, string minSeverity = "low", string[]? types = null)
    {
        var created = await (await tenant.Admin.PostJsonAsync(Subscriptions,
            new { url = receiver.Url, secret = receiver.Secret, minSeverity, types = types ?? ["alert.created", "alert.acknowledged", "alert.resolved"] }))
            .ShouldBeAsync(HttpStatusCode.Created);
        return created.GetProperty("id").GetString()!;
    }

    /// <summary>Posts a heart rate of 105 for the patient: one alert.created, severity high. Waits until the analyzer has committed it.</summary>
    private async Task BreachAsync(Tenant tenant, string patientId, string readingId, int minute = 0)
    {
        var analyzer = fixture.Server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();
        var handled = analyzer.WhenHandled(tenant.Id, readingId);
        (await tenant.Device.PostJsonAsync("/api/v1/readings",
                new[] { new { id = readingId, patientId, type = "heart_rate", value = 105, observedAt = T.AddMinutes(minute).ToString("O") } }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await handled.WaitAsync(Deadline, Http.Ct);
    }

    private static async Task<List<JsonElement>> DeliveriesAsync(Tenant tenant, string query = "") =>
        (await (await tenant.Admin.Get(Deliveries + query)).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();

    /// <summary>Polls the delivery log (an observable state) until <paramref name="done"/> holds, or fails at the deadline.</summary>
    private static async Task<List<JsonElement>> DeliveriesWhenAsync(Tenant tenant, string query, Func<List<JsonElement>, bool> done)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (true)
        {
            var items = await DeliveriesAsync(tenant, query);
            if (done(items))
            {
                return items;
            }

            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException("the delivery log did not reach the expected state: " + string.Join(", ", items.Select(i => i.ToString())));
            }

            await Task.Delay(50, Http.Ct);
        }
    }

    private static string Status(JsonElement delivery) => delivery.GetProperty("status").GetString()!;

    [Fact]
    public async Task Subscriptions_are_validated_field_by_field_scoped_to_their_customer_and_never_show_their_secret()
    {
        using var tenant = await TenantAsync("notify-api");
        using var other = await TenantAsync("notify-other");
        var before = fixture.Database.TenantRows(tenant.Id);

        async Task<IReadOnlyList<(int? Index, string Field)>> Refused(object body) =>
            (await (await tenant.Admin.PostJsonAsync(Subscriptions, body)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity)).Errors();

        (await Refused(new { url = "ftp://example.org/hook", secret = "0123456789abcdef" })).ShouldBe([(null, "url")]);
        (await Refused(new { url = "/relative", secret = "0123456789abcdef" })).ShouldBe([(null, "url")]);
        (await Refused(new { url = "http://127.0.0.1:9/hook", secret = "short" })).ShouldBe([(null, "secret")]);
        (await Refused(new { url = "http://127.0.0.1:9/hook" })).ShouldBe([(null, "secret")]);
        (await Refused(new { url = "http://127.0.0.1:9/hook", secret = "0123456789abcdef", minSeverity = "severe" })).ShouldBe([(null, "minSeverity")]);
        (await Refused(new { url = "http://127.0.0.1:9/hook", secret = "0123456789abcdef", types = new[] { "alert.created", "alert.bogus" } }))
            .ShouldBe([(null, "types[1]")]);
        (await Refused(new { url = "http://127.0.0.1:9/hook", secret = "0123456789abcdef", types = Array.Empty<string>() })).ShouldBe([(null, "types")]);
        (await Refused(new { url = "nope", secret = "x", minSeverity = "x", types = new[] { "x" } }))
            .ShouldBe([(null, "url"), (null, "secret"), (null, "minSeverity"), (null, "types[0]")]);
        await (await tenant.Admin.PostRawAsync(Subscriptions, "{\"url\": 5")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        (await tenant.Device.PostJsonAsync(Subscriptions, new { url = "http://127.0.0.1:9/hook", secret = "0123456789abcdef" }))
            .StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        fixture.Database.TenantRows(tenant.Id).ShouldBe(before);

        const string secret = "a-secret-of-enough-length";
        var response = await tenant.Admin.PostJsonAsync(Subscriptions, new { url = "http://127.0.0.1:9/hook", secret });
        var text = await response.Content.ReadAsStringAsync(Http.Ct);
        response.StatusCode.ShouldBe(HttpStatusCode.Created);
        text.ShouldNotContain(secret);
        var created = JsonDocument.Parse(text).RootElement;
        var id = created.GetProperty("id").GetString()!;
        response.Headers.Location!.ToString().ShouldBe($"{Subscriptions}/{id}");
        created.GetProperty("minSeverity").GetString().ShouldBe("low");
        created.GetProperty("types").EnumerateArray().Select(t => t.GetString()).ShouldBe(
            ["alert.created", "alert.escalated", "alert.acknowledged", "alert.resolved"]);
        created.GetProperty("hasSecret").GetBoolean().ShouldBeTrue();
        created.TryGetProperty("secret", out _).ShouldBeFalse();

        var read = await tenant.Admin.Get($"{Subscriptions}/{id}");
        (await read.Content.ReadAsStringAsync(Http.Ct)).ShouldNotContain(secret);
        var list = await (await tenant.Admin.Get(Subscriptions)).ShouldBeAsync(HttpStatusCode.OK);
        list.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetString()).ShouldBe([id]);
        list.ToString().ShouldNotContain(secret);

        var updated = await (await tenant.Admin.PutJsonAsync($"{Subscriptions}/{id}",
            new { url = "https://hooks.example.org/vigil", minSeverity = "urgent", types = new[] { "alert.resolved" } })).ShouldBeAsync(HttpStatusCode.OK);
        updated.GetProperty("url").GetString().ShouldBe("https://hooks.example.org/vigil");
        updated.GetProperty("minSeverity").GetString().ShouldBe("urgent");
        updated.GetProperty("hasSecret").GetBoolean().ShouldBeTrue();
        (await (await tenant.Admin.PutJsonAsync($"{Subscriptions}/{id}", new { url = "mailto:x@example.org" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity)).Errors().ShouldBe([(null, "url")]);

        // Another customer sees none of it and can change none of it.
        await (await other.Admin.Get($"{Subscriptions}/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Admin.PutJsonAsync($"{Subscriptions}/{id}", new { url = "http://127.0.0.1:9/x" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await other.Admin.Delete($"{Subscriptions}/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await (await other.Admin.Get(Subscriptions)).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength().ShouldBe(0);

        (await tenant.Admin.Delete($"{Subscriptions}/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await (await tenant.Admin.Get($"{Subscriptions}/{id}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        // The delivery log's query is checked too.
        (await (await tenant.Admin.Get($"{Deliveries}?status=lost&limit=0&cursor=x")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))
            .Errors().ShouldBe([(null, "status"), (null, "limit"), (null, "cursor")]);
        await (await tenant.Admin.PostJsonAsync($"{Deliveries}/nothing/redeliver", new { })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_transition_is_posted_once_signed_with_the_secret_to_each_subscription_it_matches()
    {
        using var tenant = await TenantAsync("notify-signed");
        await using var all = await WebhookReceiver.StartAsync();
        await using var emergencies = await WebhookReceiver.StartAsync();
        await using var resolutions = await WebhookReceiver.StartAsync();
        var subscription = await SubscribeAsync(tenant, all);
        var emergencyOnly = await SubscribeAsync(tenant, emergencies, minSeverity: "emergency");
        var resolvedOnly = await SubscribeAsync(tenant, resolutions, types: ["alert.resolved"]);

        await BreachAsync(tenant, "p", "hr1");

        var request = (await all.WaitForAsync(r => r.Count >= 1, Deadline)).ShouldHaveSingleItem();
        request.SignatureValid.ShouldBeTrue();
        request.Event.ShouldBe("alert.created");
        request.EventHeader.ShouldBe("alert.created");
        request.DeliveryHeader.ShouldBe(request.DeliveryId);
        request.Body.GetProperty("subscriptionId").GetString().ShouldBe(subscription);
        request.Body.GetProperty("customerId").GetString().ShouldBe(tenant.Id);
        request.Body.GetProperty("patientId").GetString().ShouldBe("p");
        request.Body.GetProperty("transition").GetProperty("name").GetString().ShouldBe("created");
        var alert = request.Body.GetProperty("alert");
        alert.GetProperty("rule").GetString().ShouldBe("threshold:heart_rate");
        alert.GetProperty("severity").GetString().ShouldBe("high");
        alert.GetProperty("value").GetDouble().ShouldBe(105);

        var delivered = (await DeliveriesWhenAsync(tenant, $"?subscriptionId={subscription}", d => d.Count == 1 && Status(d[0]) == "delivered"))
            .ShouldHaveSingleItem();
        delivered.GetProperty("id").GetString().ShouldBe(request.DeliveryId);
        delivered.GetProperty("event").GetString().ShouldBe("alert.created");
        delivered.GetProperty("alertId").GetString().ShouldBe(alert.GetProperty("id").GetString());
        delivered.GetProperty("attempts").GetInt32().ShouldBe(1);
        delivered.GetProperty("responseStatus").GetInt32().ShouldBe(200);
        delivered.GetProperty("deliveredAt").ValueKind.ShouldBe(JsonValueKind.String);

        // The rows of all three subscriptions were written in one transaction: the filtered ones got none.
        (await DeliveriesAsync(tenant, $"?subscriptionId={emergencyOnly}")).ShouldBeEmpty();
        (await DeliveriesAsync(tenant, $"?subscriptionId={resolvedOnly}")).ShouldBeEmpty();
        (await DeliveriesAsync(tenant)).Count.ShouldBe(1);
        emergencies.Requests.ShouldBeEmpty();
        resolutions.Requests.ShouldBeEmpty();
        all.Requests.Count.ShouldBe(1);
    }

    [Fact]
    public async Task An_endpoint_that_times_out_and_fails_is_retried_until_it_recovers()
    {
        using var tenant = await TenantAsync("notify-retry");
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Plan(WebhookReceiver.Answer.Hang, WebhookReceiver.Answer.Fail, WebhookReceiver.Answer.Fail);
        var subscription = await SubscribeAsync(tenant, receiver);

        await BreachAsync(tenant, "p", "hr1");

        var delivered = (await DeliveriesWhenAsync(tenant, $"?subscriptionId={subscription}", d => d.Count == 1 && Status(d[0]) == "delivered"))
            .ShouldHaveSingleItem();
        delivered.GetProperty("attempts").GetInt32().ShouldBe(4);
        delivered.GetProperty("responseStatus").GetInt32().ShouldBe(200);
        var requests = receiver.Requests;
        requests.Select(r => r.Answered).ShouldBe(
            [WebhookReceiver.Answer.Hang, WebhookReceiver.Answer.Fail, WebhookReceiver.Answer.Fail, WebhookReceiver.Answer.Ok]);
        requests.ShouldAllBe(r => r.SignatureValid && r.DeliveryId == delivered.GetProperty("id").GetString());
        // The hung attempt was cut off by the attempt timeout, and each retry waited longer than the one before it (backoff).
        (requests[1].At - requests[0].At).ShouldBeGreaterThanOrEqualTo(NotificationServerFixture.AttemptTimeout * 0.9);
    }

    [Fact]
    public async Task One_patients_transitions_arrive_in_order_while_the_first_is_still_being_retried()
    {
        using var tenant = await TenantAsync("notify-order");
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Plan(WebhookReceiver.Answer.Fail, WebhookReceiver.Answer.Fail, WebhookReceiver.Answer.Fail);
        await SubscribeAsync(tenant, receiver);

        await BreachAsync(tenant, "p", "hr1");
        var alertId = (await (await tenant.Admin.Get("/api/v1/alerts")).ShouldBeAsync(HttpStatusCode.OK))
            .GetProperty("items").EnumerateArray().Single().GetProperty("id").GetString()!;
        (await tenant.Admin.PostJsonAsync($"/api/v1/alerts/{alertId}/acknowledge", new { note = "seen" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await tenant.Admin.PostJsonAsync($"/api/v1/alerts/{alertId}/resolve", new { note = "treated" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var requests = await receiver.WaitForAsync(r => r.Count(x => x.Answered == WebhookReceiver.Answer.Ok) == 3, Deadline);
        requests.Select(r => r.Event).ShouldBe(
            ["alert.created", "alert.created", "alert.created", "alert.created", "alert.acknowledged", "alert.resolved"]);
        requests.ShouldAllBe(r => r.SignatureValid);
        (await DeliveriesWhenAsync(tenant, "", d => d.Count == 3 && d.All(x => Status(x) == "delivered")))
            .Select(d => d.GetProperty("event").GetString()).ShouldBe(["alert.resolved", "alert.acknowledged", "alert.created"]);
    }

    [Fact]
    public async Task A_dead_endpoint_delays_neither_a_healthy_endpoint_nor_the_analysis()
    {
        using var tenant = await TenantAsync("notify-dead");
        await using var dead = await WebhookReceiver.StartAsync();
        dead.Otherwise = WebhookReceiver.Answer.Hang;
        await using var healthy = await WebhookReceiver.StartAsync();
        var deadSubscription = await SubscribeAsync(tenant, dead);
        await SubscribeAsync(tenant, healthy);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "q", name = "Quinn" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        await BreachAsync(tenant, "p", "hr1");
        var first = (await healthy.WaitForAsync(r => r.Count == 1, Deadline)).Single();
        var hung = (await dead.WaitForAsync(r => r.Count >= 1, Deadline))[0];

        // The analysis goes on and the healthy endpoint gets the next patient's alert while the dead one still holds the first.
        await BreachAsync(tenant, "q", "hr2");
        var second = (await healthy.WaitForAsync(r => r.Count == 2, Deadline))[1];
        second.Body.GetProperty("patientId").GetString().ShouldBe("q");
        first.At.ShouldBeLessThan(hung.At + NotificationServerFixture.AttemptTimeout);
        var deadDeliveries = await DeliveriesAsync(tenant, $"?subscriptionId={deadSubscription}&status=pending");
        deadDeliveries.Count.ShouldBeGreaterThanOrEqualTo(1, "the dead endpoint's deliveries are still being tried");
        second.At.ShouldBeLessThan(hung.At + NotificationServerFixture.AttemptTimeout * 4, "the healthy endpoint never waited for the dead one's attempts");
    }

    [Fact]
    public async Task The_circuit_of_an_endpoint_that_keeps_failing_opens_and_spares_it_further_attempts()
    {
        using var tenant = await TenantAsync("notify-breaker");
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Otherwise = WebhookReceiver.Answer.Fail;
        var subscription = await SubscribeAsync(tenant, receiver);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "q", name = "Quinn" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        await BreachAsync(tenant, "p", "hr1");
        await BreachAsync(tenant, "q", "hr2");

        var failed = await DeliveriesWhenAsync(tenant, $"?subscriptionId={subscription}", d => d.Count == 2 && d.All(x => Status(x) == "failed"));
        var attempts = failed.Sum(d => d.GetProperty("attempts").GetInt32());
        attempts.ShouldBe(8, "four attempts for each of the two deliveries");
        receiver.Requests.Count.ShouldBeLessThan(attempts, "attempts made while the circuit was open never reached the endpoint");
        receiver.Requests.Count.ShouldBeGreaterThanOrEqualTo(5, "the circuit opens after five failures");
        failed.ShouldContain(d => d.GetProperty("lastError").GetString()!.Contains("circuit open"));
        fixture.Server.Services.GetRequiredService<EndpointPipelines>().State(receiver.Url).ShouldBe(CircuitState.Open);
    }

    [Fact]
    public async Task A_delivery_that_failed_for_good_is_listed_and_delivered_when_sent_again()
    {
        using var tenant = await TenantAsync("notify-redeliver");
        using var other = await TenantAsync("notify-redeliver-other");
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Otherwise = WebhookReceiver.Answer.Fail;
        var subscription = await SubscribeAsync(tenant, receiver);

        await BreachAsync(tenant, "p", "hr1");

        var failed = (await DeliveriesWhenAsync(tenant, "?status=failed", d => d.Count == 1)).Single();
        var id = failed.GetProperty("id").GetString()!;
        failed.GetProperty("subscriptionId").GetString().ShouldBe(subscription);
        failed.GetProperty("attempts").GetInt32().ShouldBe(4);
        failed.GetProperty("responseStatus").GetInt32().ShouldBe(500);
        failed.GetProperty("lastError").GetString().ShouldBe("the endpoint answered 500");
        (await DeliveriesAsync(tenant, "?status=delivered")).ShouldBeEmpty();
        (await DeliveriesAsync(other)).ShouldBeEmpty();
        await (await other.Admin.PostJsonAsync($"{Deliveries}/{id}/redeliver", new { })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await tenant.Device.PostJsonAsync($"{Deliveries}/{id}/redeliver", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        receiver.Otherwise = WebhookReceiver.Answer.Ok;
        var accepted = await (await tenant.Admin.PostJsonAsync($"{Deliveries}/{id}/redeliver", new { })).ShouldBeAsync(HttpStatusCode.Accepted);
        accepted.GetProperty("id").GetString().ShouldBe(id);

        var delivered = (await DeliveriesWhenAsync(tenant, "", d => d.Count == 1 && Status(d[0]) == "delivered")).Single();
        delivered.GetProperty("attempts").GetInt32().ShouldBe(5);
        delivered.GetProperty("responseStatus").GetInt32().ShouldBe(200);
        var last = receiver.Requests[^1];
        (last.DeliveryId, last.SignatureValid, last.Answered).ShouldBe((id, true, WebhookReceiver.Answer.Ok));
        await (await tenant.Admin.PostJsonAsync($"{Deliveries}/{id}/redeliver", new { })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(NotificationServerFixture fixture) : NotificationTests(fixture), IClassFixture<NotificationServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedNotificationServerFixture fixture) : NotificationTests(fixture), IClassFixture<DistributedNotificationServerFixture>;
}

using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;
using Vigil.Tests.Notifications;

namespace Vigil.Tests.Observability;

/// <summary>A notification server (short webhook delays) that exports its traces to a real OTLP/HTTP receiver of its own.</summary>
public class TracingServerFixture : NotificationServerFixture
{
    public TracingServerFixture()
        : this(new EmbeddedStores())
    {
    }

    protected TracingServerFixture(IVigilStores stores)
        : base(stores)
    {
    }

    public OtlpReceiver Receiver { get; } = OtlpReceiver.Start();

    protected override void Configure(WebApplicationBuilder builder)
    {
        base.Configure(builder);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vigil:Telemetry:OtlpEndpoint"] = Receiver.Endpoint,
            ["Vigil:Telemetry:ExportDelayMs"] = "200",
        });
    }
}

public sealed class DistributedTracingServerFixture() : TracingServerFixture(new DistributedStores());

/// <summary>
/// One trace follows a reading from the HTTP request through enrich and analyze to its alert's notify stage and the
/// webhook delivery, the context carried in the log envelope, in both modes; spans arrive at a real OTLP/HTTP receiver.
/// </summary>
public abstract class TracingTests(TracingServerFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task One_trace_covers_the_request_every_stage_the_alert_and_its_webhook_delivery()
    {
        var tenant = await Tenant.CreateAsync(fixture.Server, "traced-" + Guid.NewGuid().ToString("N")[..6]);
        (await tenant.Admin.PutJsonAsync("/api/v1/thresholds",
                new { scope = new { customerId = tenant.Id }, rules = new[] { new { type = "heart_rate", low = 40, high = 100, severity = "high" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        await using var webhook = await WebhookReceiver.StartAsync();
        (await tenant.Admin.PostJsonAsync("/api/v1/notifications/subscriptions",
            new { url = webhook.Url, secret = webhook.Secret, minSeverity = "low", types = new[] { "alert.created" } })).StatusCode.ShouldBe(HttpStatusCode.Created);

        // The caller starts the trace (W3C traceparent); Vigil's request span is its child and everything after follows.
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/readings")
        {
            Content = JsonContent.Create(new[]
            {
                new { id = "traced-1", patientId = "p", deviceId = "d", type = "heart_rate", value = 130, observedAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O") },
            }),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        (await tenant.Device.SendAsync(request, Http.Ct)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await webhook.WaitForAsync(r => r.Any(x => x.Event == "alert.created"), Deadline);

        string[] expected = ["enrich", "analyze", "notify", "webhook"];
        var spans = (await fixture.Receiver.WaitForAsync(
            s => expected.All(name => s.Any(x => x.TraceId == traceId && x.Name == name)), Deadline)).Where(s => s.TraceId == traceId).ToList();
        var names = string.Join(", ", spans.Select(s => $"{s.Scope}:{s.Name}"));

        var requestSpan = spans.SingleOrDefault(s => s.Scope == "Microsoft.AspNetCore" && s.ParentSpanId == "00f067aa0ba902b7");
        requestSpan.ShouldNotBeNull(names);
        foreach (var name in expected)
        {
            spans.ShouldContain(s => s.Scope == "Vigil" && s.Name == name, names);
        }

        // The stages that read the reading's messages are children of the request span; the notify stage reads the
        // alert transition, which carries the same context; the webhook delivery is a child of that too.
        spans.Single(s => s.Name == "enrich").ParentSpanId.ShouldBe(requestSpan.SpanId);
        spans.Single(s => s.Name == "analyze").ParentSpanId.ShouldBe(requestSpan.SpanId);
        spans.Single(s => s.Name == "notify").ParentSpanId.ShouldBe(requestSpan.SpanId);
        spans.Single(s => s.Name == "webhook").ParentSpanId.ShouldBe(requestSpan.SpanId);
        spans.Single(s => s.Name == "notify").Attributes["messaging.destination.name"].ShouldBe("alerts");

        // The delivery's HTTP call is a child of the webhook span and sent its context on: the receiver (an ASP.NET Core
        // app in this process) continued the same trace.
        var webhookSpan = spans.Single(s => s.Name == "webhook");
        var all = await fixture.Receiver.WaitForAsync(
            s => s.Any(call => call.ParentSpanId == webhookSpan.SpanId && s.Any(received => received.ParentSpanId == call.SpanId)), Deadline);
        var call = all.SingleOrDefault(s => s.ParentSpanId == webhookSpan.SpanId && s.Scope == "System.Net.Http");
        call.ShouldNotBeNull(names);
        all.ShouldContain(s => s.TraceId == traceId && s.ParentSpanId == call.SpanId && s.Scope == "Microsoft.AspNetCore", names);
    }

    [Collection(ObservabilityCollection.Name)]
    public sealed class Embedded(TracingServerFixture fixture) : TracingTests(fixture), IClassFixture<TracingServerFixture>;

    [Collection(ObservabilityCollection.Name)]
    public sealed class Distributed(DistributedTracingServerFixture fixture) : TracingTests(fixture), IClassFixture<DistributedTracingServerFixture>;
}

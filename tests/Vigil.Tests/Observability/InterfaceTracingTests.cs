using System.Net;
using System.Text;
using Vigil.Tests.Grpc;
using Vigil.Tests.Hl7;
using Vigil.Tests.Infrastructure;
using ReceivedSpan = Vigil.Tests.Observability.OtlpReceiver.ReceivedSpan;

namespace Vigil.Tests.Observability;

/// <summary>
/// FHIR, gRPC and HL7 start a reading's trace as the HTTP API does (<see cref="TracingTests"/> follows that one to the
/// webhook): the enrich and analyze stages of a reading taken in by each are children of the span that took it in, the
/// context carried in the log envelope, in both modes. Spans arrive at a real OTLP/HTTP receiver.
/// </summary>
public abstract class InterfaceTracingTests(TracingServerFixture fixture)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private VigilServer Server => fixture.Server;

    private static string Recent => DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_FHIR_Observation_s_stages_continue_the_caller_s_trace()
    {
        using var tenant = await Tenant.CreateAsync(Server, "trace-fhir-" + Guid.NewGuid().ToString("N")[..6]);
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/Observation")
        {
            Content = new StringContent(Fhir.Fhir.Observation("8867-4", Fhir.Fhir.Quantity(72, "/min"), effective: Recent), Encoding.UTF8, Fhir.Fhir.MediaType),
        };
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");

        (await tenant.Device.SendAsync(request, Http.Ct)).StatusCode.ShouldBe(HttpStatusCode.Created);

        var taken = await StagesFollowAsync([], s => s.TraceId == traceId && s.Scope == "Microsoft.AspNetCore" && s.ParentSpanId == "00f067aa0ba902b7");
        // Named and tagged by method and route template, never by path.
        taken.Name.ShouldBe("POST /fhir/Observation");
        taken.Attributes["http.route"].ShouldBe("/fhir/Observation");
        taken.Attributes["http.response.status_code"].ShouldBe("201");
    }

    [Fact]
    public async Task A_gRPC_batch_s_stages_follow_the_call_s_span()
    {
        PythonGrpc.Require();
        using var tenant = await Tenant.CreateAsync(Server, "trace-grpc-" + Guid.NewGuid().ToString("N")[..6]);
        var before = SpanIds();

        var answer = (await PythonGrpc.CallAsync(Server.GrpcTarget!, tenant.Device.DefaultRequestHeaders.GetValues("X-Api-Key").Single(),
            "/vigil.v1.IngestService/IngestBatch",
            new { readings = new[] { new { id = "g1", patient_id = "p", type = "heart_rate", number = 72.0, observed_at = Recent } } })).Response();
        answer.Int("accepted").ShouldBe(1);

        // ASP.NET Core's span of the call (a gRPC call is an HTTP/2 request); the client sent no trace context, so the
        // call's span starts the trace. The only readings this server takes in now are this test's.
        var taken = await StagesFollowAsync(before, s => s.Scope == "Microsoft.AspNetCore" && IsRoot(s));
        taken.Name.ShouldBe("POST /vigil.v1.IngestService/IngestBatch");
    }

    [Fact]
    public async Task An_HL7_message_s_stages_follow_its_message_span()
    {
        using var tenant = await Tenant.CreateAsync(Server, "trace-hl7-" + Guid.NewGuid().ToString("N")[..6]);
        var application = "MON-" + tenant.Id;
        await (await tenant.Admin.PutJsonAsync("/api/v1/hl7/senders",
            new { senders = new[] { new { application, facility = "ICU", addresses = new[] { "127.0.0.1" } } } })).ShouldBeAsync(HttpStatusCode.OK);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p2", name = "Mo", mrn = "MRN-T" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var observed = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + "+0000";
        var message = string.Join('\r',
            $"MSH|^~\\&|{application}|ICU|VIGIL|HOSP|{observed}||ORU^R01^ORU_R01|TRACE-1|P|2.6",
            "PID|||MRN-T^^^HOSP^MR||Doe^John",
            $"OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||{observed}") + "\r";
        var before = SpanIds();

        await using (var mllp = await MllpClient.ConnectAsync(Server.Hl7Port))
        {
            (await mllp.SendAsync(message)).Code.ShouldBe("AA");
        }

        // MLLP carries no trace context: the message's own span starts the trace.
        await StagesFollowAsync(before, s => s.Scope == "Vigil" && s.Name == "hl7 message" && IsRoot(s));
    }

    private HashSet<string> SpanIds() => [.. fixture.Receiver.Spans.Select(s => s.SpanId)];

    /// <summary>Waits for a span new since <paramref name="before"/> that took the reading in and has an enrich and an analyze child in its trace.</summary>
    private async Task<ReceivedSpan> StagesFollowAsync(HashSet<string> before, Func<ReceivedSpan, bool> tookItIn)
    {
        string[] stages = ["enrich", "analyze"];
        IEnumerable<ReceivedSpan> Followed(IReadOnlyList<ReceivedSpan> all) =>
            all.Where(taken => !before.Contains(taken.SpanId) && tookItIn(taken) && stages.All(stage => all.Any(s => IsStage(s, stage, taken))));
        var spans = await fixture.Receiver.WaitForAsync(all => Followed(all).Any(), Deadline);
        var taken = Followed(spans).SingleOrDefault();
        taken.ShouldNotBeNull("new spans: " + string.Join(" | ", spans.Where(s => !before.Contains(s.SpanId))
            .Select(s => $"{s.Scope}:{s.Name} trace {s.TraceId} span {s.SpanId} parent {s.ParentSpanId} {string.Join(",", s.Attributes.Select(a => $"{a.Key}={a.Value}"))}")));
        foreach (var stage in stages)
        {
            spans.Single(s => IsStage(s, stage, taken)).Kind.ShouldBe(5, $"{stage} is a consumer span (OTLP SPAN_KIND_CONSUMER)");
        }

        return taken;
    }

    private static bool IsRoot(ReceivedSpan span) => span.ParentSpanId.Trim('0').Length == 0;

    private static bool IsStage(ReceivedSpan span, string stage, ReceivedSpan parent) =>
        span.Scope == "Vigil" && span.Name == stage && span.TraceId == parent.TraceId && span.ParentSpanId == parent.SpanId;

    [Collection(ObservabilityCollection.Name)]
    public sealed class Embedded(TracingServerFixture fixture) : InterfaceTracingTests(fixture), IClassFixture<TracingServerFixture>;

    [Collection(ObservabilityCollection.Name)]
    public sealed class Distributed(DistributedTracingServerFixture fixture) : InterfaceTracingTests(fixture), IClassFixture<DistributedTracingServerFixture>;
}

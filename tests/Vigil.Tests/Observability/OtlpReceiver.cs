using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Vigil.Tests.Observability.Otlp;

namespace Vigil.Tests.Observability;

/// <summary>
/// A real OTLP/HTTP trace receiver on Kestrel at 127.0.0.1: <c>POST /v1/traces</c> with a protobuf
/// ExportTraceServiceRequest (decoded with the messages protoc generates from otlp_trace_subset.proto), every span kept.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    /// <summary>One received span: ids as lowercase hex, the parent empty for a root, the instrumentation scope's name.</summary>
    public sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, string Scope, IReadOnlyDictionary<string, string> Attributes);

    private readonly WebApplication _app;
    private readonly Vigil.Tests.Infrastructure.Received<ReceivedSpan> _spans = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    /// <summary>The base address a sender is configured with (spans go to its <c>/v1/traces</c>).</summary>
    public string Endpoint { get; private set; } = null!;

    public static OtlpReceiver Start()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", receiver.HandleAsync);
        app.StartAsync().GetAwaiter().GetResult();
        receiver.Endpoint = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return receiver;
    }

    public IReadOnlyList<ReceivedSpan> Spans => _spans.Items;

    /// <summary>Waits until the spans received satisfy <paramref name="condition"/>; woken by each export, never by a timer. Returns every span received either way.</summary>
    public async Task<IReadOnlyList<ReceivedSpan>> WaitForAsync(Func<IReadOnlyList<ReceivedSpan>, bool> condition, TimeSpan timeout) =>
        (await _spans.WaitForAsync(condition, timeout, Vigil.Tests.Infrastructure.Http.Ct)).Items;

    private async Task HandleAsync(HttpContext http)
    {
        http.Request.ContentType.ShouldBe("application/x-protobuf");
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, http.RequestAborted);
        var request = ExportTraceServiceRequest.Parser.ParseFrom(buffer.ToArray());
        var received = request.ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans.Select(span => new ReceivedSpan(
            Convert.ToHexStringLower(span.TraceId.Span), Convert.ToHexStringLower(span.SpanId.Span), Convert.ToHexStringLower(span.ParentSpanId.Span),
            span.Name, span.Kind, s.Scope?.Name ?? "",
            span.Attributes.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => Text(g.Last().Value))))).ToList();
        _spans.Add(received);

        http.Response.ContentType = "application/x-protobuf";
        await http.Response.Body.WriteAsync(Google.Protobuf.MessageExtensions.ToByteArray(new ExportTraceServiceResponse()), http.RequestAborted);
    }

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => "",
    };

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

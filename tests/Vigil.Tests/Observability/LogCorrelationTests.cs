using System.Net;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Observability;

/// <summary>
/// JSON console logs carry the trace and span ids of the work they are about: a real <c>vigil serve</c> with tracing on
/// (to a real OTLP receiver) and Debug logging answers a request that carries a caller's traceparent, and the lines it
/// logged for that request hold the same trace id in their scopes.
/// </summary>
public sealed class LogCorrelationTests
{
    [Fact]
    public async Task Log_lines_written_during_a_traced_request_carry_its_trace_and_span_ids()
    {
        await using var receiver = OtlpReceiver.Start();
        await using var vigil = await RunningProcess.StartAsync(
            ["--otlp-endpoint", receiver.Endpoint, "--Logging:LogLevel:Default", "Debug", "--Logging:LogLevel:Microsoft.AspNetCore", "Debug"]);
        var key = await vigil.CustomerKeyAsync("correlated");
        var traceId = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var client = vigil.Client(key);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/patients");
        request.Headers.Add("traceparent", $"00-{traceId}-00f067aa0ba902b7-01");
        (await client.SendAsync(request, Http.Ct)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await vigil.Process.TerminateAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);

        var lines = vigil.Process.Output.Split('\n').Where(l => l.StartsWith('{')).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var traced = lines.Where(l => l.TryGetProperty("Scopes", out var scopes)
            && scopes.EnumerateArray().Any(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var t) && t.GetString() == traceId)).ToList();
        traced.ShouldNotBeEmpty("no log line carried the request's trace id");
        var scope = traced[0].GetProperty("Scopes").EnumerateArray().First(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out _));
        scope.GetProperty("SpanId").GetString()!.Length.ShouldBe(16);

        // The request's span reached the receiver with the same ids.
        (await receiver.WaitForAsync(s => s.Any(x => x.TraceId == traceId), TimeSpan.FromSeconds(10)))
            .ShouldContain(s => s.TraceId == traceId && s.SpanId == scope.GetProperty("SpanId").GetString());
    }
}

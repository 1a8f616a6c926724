using System.Diagnostics.Metrics;
using Vigil.Domain.Diagnostics;

namespace Vigil.Observability;

/// <summary>Processing latency per stage (enrich, analyze, alert, notify, process, deliver) and the messages each committed.</summary>
public static class StageMetrics
{
    private static readonly Histogram<double> Duration = VigilTelemetry.Meter.CreateHistogram<double>(
        "vigil.stage.duration", "s", "Time a processing stage took for one round of messages.");

    private static readonly Counter<long> Messages = VigilTelemetry.Meter.CreateCounter<long>(
        "vigil.stage.messages", "{message}", "Messages a processing stage committed.");

    private static readonly Counter<long> Webhooks = VigilTelemetry.Meter.CreateCounter<long>(
        "vigil.webhook.deliveries", "{delivery}", "Webhook deliveries finished, by outcome.");

    public static void Completed(string stage, TimeSpan elapsed, int messages)
    {
        var tag = new KeyValuePair<string, object?>("stage", stage);
        Duration.Record(elapsed.TotalSeconds, tag);
        Messages.Add(messages, tag);
    }

    /// <summary>A part of a stage's round (the analyze role's windows, NEWS2 and alert rules), timed inside its transaction.</summary>
    public static void Timed(string stage, TimeSpan elapsed) =>
        Duration.Record(elapsed.TotalSeconds, new KeyValuePair<string, object?>("stage", stage));

    public static void WebhookFinished(bool delivered) =>
        Webhooks.Add(1, new KeyValuePair<string, object?>("outcome", delivered ? "delivered" : "failed"));
}

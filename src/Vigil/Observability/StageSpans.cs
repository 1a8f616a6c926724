using System.Diagnostics;
using System.Text.Json;
using Vigil.Domain.Diagnostics;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;

namespace Vigil.Observability;

/// <summary>
/// The spans of one processing round: one per trace among the round's messages, a child of the context the message's
/// envelope carries (<c>traceparent</c>), named after the stage. Readings of one request share its trace, so a round
/// costs one span per request it holds, not one per reading, and each request's trace still shows every stage it went
/// through. Nothing is read or allocated when no tracer listens.
/// </summary>
public readonly struct StageSpans : IDisposable
{
    private readonly List<Activity>? _spans;
    private readonly Activity? _previous;

    private StageSpans(List<Activity> spans, Activity? previous)
    {
        _spans = spans;
        _previous = previous;
    }

    public static StageSpans Start(string stage, IReadOnlyList<ConsumedBatch> batches)
    {
        if (!VigilTelemetry.Source.HasListeners())
        {
            return default;
        }

        var previous = Activity.Current;
        var spans = new List<Activity>();
        var traces = new Dictionary<string, Activity?>();
        foreach (var batch in batches)
        {
            foreach (var message in batch.Messages)
            {
                string? traceParent;
                try
                {
                    traceParent = Envelope.ReadHeader(message.Payload).TraceParent;
                }
                catch (JsonException)
                {
                    continue;
                }

                if (traceParent is null)
                {
                    continue;
                }

                if (!traces.TryGetValue(traceParent, out var span))
                {
                    span = ActivityContext.TryParse(traceParent, null, out var parent)
                        ? VigilTelemetry.Source.StartActivity(stage, ActivityKind.Consumer, parent)
                        : null;
                    traces[traceParent] = span;
                    if (span is not null)
                    {
                        span.SetTag("messaging.system", "vigil");
                        span.SetTag("messaging.consumer.group.name", stage);
                        span.SetTag("messaging.destination.name", batch.Topic);
                        span.SetTag("messaging.destination.partition.id", VigilTelemetry.Partition(batch.Partition));
                        spans.Add(span);
                    }
                }

                span?.SetTag("messaging.batch.message_count", (int)(span.GetTagItem("messaging.batch.message_count") ?? 0) + 1);
            }
        }

        // Starting a span makes it the current one; the round's own code runs under what ran before.
        Activity.Current = previous;
        return new StageSpans(spans, previous);
    }

    public void Dispose()
    {
        if (_spans is null)
        {
            return;
        }

        foreach (var span in _spans)
        {
            span.Stop();
        }

        Activity.Current = _previous;
    }
}

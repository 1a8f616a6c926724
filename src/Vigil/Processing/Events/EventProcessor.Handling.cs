using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Events;
using Vigil.Domain.Log;
using Vigil.Storage.Events;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Events;

/// <summary>One event through its handler: retries, content failures, dead letters, and the exactly-once check.</summary>
internal sealed partial class EventProcessor
{
    /// <summary>First retry delay after a handler throws; doubled for each further attempt (100, 200, 400 ms), as in <see cref="LogConsumerService"/>.</summary>
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>What an event of a type with no handler gets: it is kept, for the patient's timeline, and counts as processed.</summary>
    private static readonly EventOutcome NoHandler = EventOutcome.Processed(new { handler = "none", recorded = "timeline" });

    private async Task HandleAsync(ConsumedMessage message, CancellationToken stoppingToken)
    {
        if (Read(message) is not { } e)
        {
            await DeadLetterAsync(message, null, "not a clinical event", null, 0, 0, stoppingToken);
            return;
        }

        var started = _clock.GetTimestamp();
        // Events are handled one by one (in their patient's lane), so each gets a span of its own, continuing its request's trace.
        using var span = e.TraceParent is not null && Domain.Diagnostics.VigilTelemetry.Source.HasListeners()
            && System.Diagnostics.ActivityContext.TryParse(e.TraceParent, null, out var parent)
            ? Domain.Diagnostics.VigilTelemetry.Source.StartActivity(Group, System.Diagnostics.ActivityKind.Consumer, parent)
            : null;
        span?.SetTag("vigil.event.type", e.Type);
        if (await StoredStatusAsync(e, stoppingToken) is { } status && !Unhandled(status, e.Replayed))
        {
            Finished(message, e.CustomerId, e.EventId);
            return;
        }

        var handler = _handlers.GetValueOrDefault(e.Type);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var outcome = handler is null ? NoHandler : await handler.HandleAsync(e, stoppingToken);
                await WriteAsync(ctx => Apply(ctx, message, e, outcome, started), stoppingToken);
                return;
            }
            catch (RejectedException rejected)
            {
                await WriteAsync(ctx => Apply(ctx, message, e, EventOutcome.Failed(rejected.Message), started), stoppingToken);
                return;
            }
            catch (Exception failure) when (failure is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                if (attempt < LogConsumerService.Attempts)
                {
                    _logger.LogWarning(failure, "{Group}: event {EventId} ({Type}) failed on attempt {Attempt}; trying again", Group, e.EventId, e.Type, attempt);
                    await DelayAsync(FirstRetryDelay * Math.Pow(2, attempt - 1), stoppingToken);
                    continue;
                }

                _logger.LogError(failure, "{Group}: event {EventId} ({Type}) failed {Attempts} times and goes to the dead-letter topic",
                    Group, e.EventId, e.Type, attempt);
                await DeadLetterAsync(message, e, "handler failed", failure.Message, attempt, started, stoppingToken);
                return;
            }
        }
    }

    /// <summary>
    /// The event's status, read outside the writer so that an event handed out again after a crash does not run its
    /// handler again. Null when it cannot be told: the effect job checks once more, and that check is the one that decides.
    /// </summary>
    private async Task<string?> StoredStatusAsync(IncomingEvent e, CancellationToken stoppingToken)
    {
        try
        {
            return (await _events.GetAsync(e.CustomerId, e.EventId, stoppingToken))?.Status;
        }
        catch (Exception failure) when (failure is not OperationCanceledException)
        {
            _logger.LogWarning(failure, "{Group}: the status of event {EventId} could not be read; the handler runs", Group, e.EventId);
            return null;
        }
    }

    /// <summary>
    /// An event is handled once: while it is accepted, or, delivered from the replay topic, while it is dead-lettered.
    /// A replayed event that fails again leaves a dead letter of the replay message, which marks that one handled.
    /// </summary>
    private static bool Unhandled(string status, bool replayed) =>
        status == EventStatuses.Accepted || (replayed && status == EventStatuses.DeadLettered);

    private static bool Claim(WriteContext ctx, ConsumedMessage message, IncomingEvent e) =>
        EventStore.StatusOf(ctx, e.CustomerId, e.EventId) is { } status && Unhandled(status, e.Replayed)
        && !(e.Replayed && DeadLetter.Exists(ctx, message, Group, e.CustomerId));

    private void Apply(WriteContext ctx, ConsumedMessage message, IncomingEvent e, EventOutcome outcome, long started)
    {
        if (Claim(ctx, message, e))
        {
            // An alert the event raises (fall_detected, nurse_call) continues the event's trace.
            ctx.TraceParent = e.TraceParent;
            var result = outcome.Effect is { } effect ? effect(ctx) : outcome.Result;
            ctx.TraceParent = null;
            Record(ctx, e, outcome.IsFailure ? EventStatuses.Failed : EventStatuses.Processed, result, started);
            ctx.OnCommitted(() => Observability.StageMetrics.Completed(Group, _clock.GetElapsedTime(started), 1));
        }

        CommitWith(ctx, message, e.CustomerId, e.EventId);
    }

    private Task DeadLetterAsync(
        ConsumedMessage message, IncomingEvent? e, string reason, string? error, int attempts, long started, CancellationToken stoppingToken) =>
        WriteAsync(ctx =>
        {
            if (e is null ? !DeadLetter.Exists(ctx, message, Group, null) : Claim(ctx, message, e))
            {
                DeadLetter.Record(ctx, _log, message, Group, reason, error);
                if (e is not null)
                {
                    Record(ctx, e, EventStatuses.DeadLettered, new { reason, error, attempts }, started);
                }
            }

            CommitWith(ctx, message, e?.CustomerId, e?.EventId);
        }, stoppingToken);

    private void Record(WriteContext ctx, IncomingEvent e, string status, object? result, long started) =>
        EventStore.RecordOutcome(ctx, e.CustomerId, e.EventId, status, _clock.GetElapsedTime(started).TotalMilliseconds, JsonSerializer.Serialize(result, Json));

    /// <summary>A write that waits out an unavailable store (not the event's fault, so not an attempt) until it is stored or the role stops.</summary>
    private async Task WriteAsync(Action<WriteContext> job, CancellationToken stoppingToken)
    {
        while (true)
        {
            try
            {
                await _writer.WriteAsync(job, stoppingToken);
                return;
            }
            catch (StorageUnavailableException unavailable)
            {
                _logger.LogWarning(unavailable, "{Group}: storage unavailable; writing again", Group);
                await DelayAsync(FirstRetryDelay, stoppingToken);
            }
        }
    }

    /// <summary>The event in a message of <c>events</c> or of the replay topic (which carries the original unchanged); null if it is not one.</summary>
    private IncomingEvent? Read(ConsumedMessage message)
    {
        try
        {
            var envelope = Envelope.Decode(message.Payload);
            var body = envelope.Body;
            string Text(string name) => body.GetProperty(name).GetString() ?? throw new FormatException($"{name} is null");
            return new IncomingEvent(
                Text("customerId"), Text("eventId"), Text("patientId"), Text("type"), body.GetProperty("data"), body.GetProperty("ts").GetDateTimeOffset(),
                body.GetProperty("receivedAt").GetDateTimeOffset(), Replayed: message.Topic != Topics.Events, envelope.TraceParent);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            _logger.LogError(e, "{Group}: {Topic}/{Partition}@{Offset} is not a clinical event", Group, message.Topic, message.Partition, message.Offset);
            return null;
        }
    }
}

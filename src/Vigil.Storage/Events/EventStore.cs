using Dapper;
using Vigil.Domain;
using Vigil.Domain.Events;
using Vigil.Domain.Log;
using Vigil.Storage;
using Vigil.Storage.EventLog;
using Vigil.Storage.Readings;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Events;

/// <summary>
/// Clinical events: stored with status "accepted" and appended to the <c>events</c> topic in one transaction; the
/// event id is unique per customer, with the same resend and conflict rules as readings.
/// </summary>
public sealed class EventStore(IDatabase db, IEventLog log)
{
    public IngestResult Ingest(WriteContext ctx, string customerId, IReadOnlyList<ClinicalEvent> events, string? traceParent = null)
    {
        ReferenceChecks.RequirePatientsAndDevices(ctx, customerId, events, static e => e.PatientId, static _ => null);
        var ids = new string[events.Count];
        var seen = new Dictionary<string, ClinicalEvent>();
        var conflicts = new List<FieldError>();
        var fresh = new List<ClinicalEvent>();
        var duplicates = 0;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            ids[i] = e.EventId;
            var earlier = seen.GetValueOrDefault(e.EventId) ?? Find(ctx, customerId, e.EventId);
            if (earlier is null)
            {
                seen[e.EventId] = e;
                fresh.Add(e);
            }
            else if (earlier.SameContentAs(e))
            {
                duplicates++;
            }
            else
            {
                conflicts.Add(new FieldError(i, "eventId", $"event '{e.EventId}' already exists with different content"));
            }
        }

        if (conflicts.Count > 0)
        {
            throw new RejectedException(RejectionKind.Conflict,
                $"{conflicts.Count} event id(s) are already used for different content; nothing was stored.", conflicts);
        }

        var now = EventTime.ToMicros(ctx.Now);
        var messages = new List<LogMessage>(fresh.Count);
        foreach (var e in fresh)
        {
            ctx.Connection.Execute(
                """
                INSERT INTO events (customer_id, event_id, patient_id, type, data, ts, received_at, status)
                VALUES (@customerId, @EventId, @PatientId, @Type, @Data, @ts, @now, 'accepted')
                """,
                new { customerId, e.EventId, e.PatientId, e.Type, e.Data, ts = EventTime.ToMicros(e.Ts), now }, ctx.Transaction);
            messages.Add(Message(customerId, e, ctx.Now, traceParent));
        }

        log.Append(ctx, messages);
        return new IngestResult(fresh.Count, duplicates, ids);
    }

    private static LogMessage Message(string customerId, ClinicalEvent e, DateTimeOffset receivedAt, string? traceParent)
    {
        var key = Keys.Patient(customerId, e.PatientId);
        var payload = Envelope.Encode(e.EventId, e.Type, key, e.Ts, traceParent, (customerId, e, receivedAt), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteString("eventId", s.e.EventId);
            w.WriteString("customerId", s.customerId);
            w.WriteString("patientId", s.e.PatientId);
            w.WriteString("type", s.e.Type);
            w.WritePropertyName("data");
            w.WriteRawValue(s.e.Data);
            w.WriteString("ts", s.e.Ts.UtcDateTime);
            w.WriteString("receivedAt", s.receivedAt.UtcDateTime);
            w.WriteEndObject();
        });
        return new LogMessage(Topics.Events, key, payload);
    }

    private static ClinicalEvent? Find(WriteContext ctx, string customerId, string eventId) =>
        ctx.Connection.QuerySingleOrDefault<EventRow>(
            $"SELECT {EventRow.Columns} FROM events WHERE customer_id = @customerId AND event_id = @eventId",
            new { customerId, eventId }, ctx.Transaction)?.ToEvent();

    /// <summary>The event's processing status as the write transaction sees it; null when there is no such event.</summary>
    public static string? StatusOf(WriteContext ctx, string customerId, string eventId) =>
        ctx.Connection.ExecuteScalar<string?>(
            "SELECT status FROM events WHERE customer_id = @customerId AND event_id = @eventId", new { customerId, eventId }, ctx.Transaction);

    /// <summary>
    /// Records how processing ended: <paramref name="status"/> (processed, failed or dead-lettered), when (the job's
    /// time), how long it took and the result as JSON.
    /// </summary>
    public static void RecordOutcome(WriteContext ctx, string customerId, string eventId, string status, double durationMs, string result) =>
        ctx.Connection.Execute(
            """
            UPDATE events SET status = @status, processed_at = @now, duration_ms = @durationMs, result = @result
            WHERE customer_id = @customerId AND event_id = @eventId
            """,
            new { customerId, eventId, status, now = EventTime.ToMicros(ctx.Now), durationMs, result }, ctx.Transaction);

    public async Task<EventStatus?> GetAsync(string customerId, string eventId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<EventRow>(new CommandDefinition(
            $"SELECT {EventRow.Columns} FROM events WHERE customer_id = @customerId AND event_id = @eventId",
            new { customerId, eventId }, cancellationToken: cancellationToken));
        return row?.ToStatus();
    }

    private sealed record EventRow(
        string EventId, string PatientId, string Type, string Data, long Ts, long ReceivedAt, string Status, long? ProcessedAt, double? DurationMs, string? Result)
    {
        public const string Columns = "event_id, patient_id, type, data, ts, received_at, status, processed_at, duration_ms, result";

        public ClinicalEvent ToEvent() => new(EventId, PatientId, Type, Data, EventTime.FromMicros(Ts));

        public EventStatus ToStatus() => new(
            ToEvent(), EventTime.FromMicros(ReceivedAt), Status, ProcessedAt is { } p ? EventTime.FromMicros(p) : null, DurationMs, Result);
    }
}

/// <summary>A clinical event with its processing status (accepted, processed, failed, dead-lettered) and the handler's result.</summary>
public sealed record EventStatus(ClinicalEvent Event, DateTimeOffset ReceivedAt, string Status, DateTimeOffset? ProcessedAt, double? DurationMs, string? Result);

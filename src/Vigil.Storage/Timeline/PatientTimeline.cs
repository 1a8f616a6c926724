using Dapper;
using Vigil.Domain;
using Vigil.Storage;
using Vigil.Storage.Sqlite;

namespace Vigil.Storage.Timeline;

/// <summary>
/// A patient's timeline: clinical events (at their event time, with how processing went) and alert transitions (when
/// each alert was created, escalated, acknowledged, resolved, and by whom), newest first.
/// </summary>
public sealed class PatientTimeline(IDatabase db)
{
    /// <summary>
    /// One entry; <see cref="Kind"/> is "event" or "alert". Times in microseconds (<see cref="EventTime"/>). A class with
    /// setters, not a positional record: SQLite types a column by its value, so a union's NULL columns match no constructor.
    /// </summary>
    public sealed class Entry
    {
        public string Kind { get; set; } = "";

        public long At { get; set; }

        public string Id { get; set; } = "";

        public string Type { get; set; } = "";

        public string? Status { get; set; }

        public string? Data { get; set; }

        public string? Result { get; set; }

        public string? Rule { get; set; }

        public string? Severity { get; set; }

        public string? Message { get; set; }

        public string? By { get; set; }

        public string? Note { get; set; }
    }

    public async Task<IReadOnlyList<Entry>> ReadAsync(
        string customerId, string patientId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<Entry>(new CommandDefinition(
            """
            SELECT kind, at, id, type, status, data, result, rule, severity, message, by, note FROM (
                SELECT 'event' AS kind, ts AS at, event_id AS id, type, status, data, result,
                       NULL AS rule, NULL AS severity, NULL AS message, NULL AS by, NULL AS note, seq AS tiebreak
                FROM events
                WHERE customer_id = @customerId AND patient_id = @patientId AND ts >= @from AND ts < @to
                UNION ALL
                SELECT 'alert', t.at, a.id, t.transition, a.status, NULL, NULL, a.rule, t.severity, a.message, t.by, t.note, t.seq
                FROM alert_transitions t JOIN alerts a ON a.customer_id = t.customer_id AND a.id = t.alert_id
                WHERE a.customer_id = @customerId AND a.patient_id = @patientId AND t.at >= @from AND t.at < @to
            ) AS entries
            ORDER BY at DESC, tiebreak DESC LIMIT @limit
            """,
            new
            {
                customerId, patientId, limit,
                from = EventTime.FromBound(from),
                to = EventTime.ToBound(to),
            },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }
}

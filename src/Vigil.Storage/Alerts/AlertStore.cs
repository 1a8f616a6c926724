using Dapper;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Log;
using Vigil.Storage;
using Vigil.Storage.EventLog;
using Vigil.Storage.Live;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Alerts;

/// <summary>
/// Alerts and their lifecycle. Rules report observations (<see cref="Observe"/>); the store keeps each rule's
/// <see cref="AlertCondition"/> per patient and raises, updates and auto-resolves the one open alert per patient and
/// rule. People acknowledge and resolve. Every transition is recorded with who and when and appended to the
/// <c>alerts</c> topic, all in the caller's transaction, so an alert and its notification exist together or not at all.
/// Each transition is also announced to live views through <see cref="PatientChanges"/>, delivered on commit.
/// </summary>
public sealed partial class AlertStore(IDatabase db, IEventLog log, PatientChanges? changes = null)
{
    /// <summary>
    /// One observation of a rule for a patient at event time <see cref="At"/>: breaching or clear, with what an alert
    /// raised or updated by it says. <see cref="Details"/> is compact JSON.
    /// </summary>
    public sealed record Signal(
        string CustomerId, string PatientId, string? DepartmentId, string Rule, string Kind, bool Breaching, string Severity,
        DateTimeOffset At, double? Value, string Message, string Details, TimeSpan Sustain, TimeSpan ClearFor, string? ResolveNote = null);

    private const string ConditionSql =
        "SELECT alert_id, breach_since, clear_since, last_at FROM alert_conditions WHERE customer_id = ?1 AND patient_id = ?2 AND rule = ?3";

    private const string SaveConditionSql = """
        INSERT INTO alert_conditions (customer_id, patient_id, rule, alert_id, breach_since, clear_since, last_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT (customer_id, patient_id, rule) DO UPDATE
        SET alert_id = excluded.alert_id, breach_since = excluded.breach_since, clear_since = excluded.clear_since, last_at = excluded.last_at
        """;

    private const string DropConditionSql = "DELETE FROM alert_conditions WHERE customer_id = ?1 AND patient_id = ?2 AND rule = ?3";

    /// <summary>
    /// Applies an observation to the patient's rule and makes the alert follow: raised once a breach has lasted
    /// <see cref="Signal.Sustain"/>, updated (and escalated to a higher severity) by further breaches, resolved by
    /// the system once clear for <see cref="Signal.ClearFor"/>. Returns the alert when one was raised, updated or resolved.
    /// </summary>
    public Alert? Observe(WriteContext ctx, Signal s)
    {
        var state = Condition(ctx, s.CustomerId, s.PatientId, s.Rule);
        if (state is null && !s.Breaching)
        {
            return null;
        }

        var (next, action) = AlertCondition.Observe(state, s.Breaching, s.At, s.Sustain, s.ClearFor);
        Alert? alert = null;
        switch (action)
        {
            case AlertCondition.Action.Raise:
                alert = Raise(ctx, s, next!.BreachSince ?? s.At);
                next = next with { AlertId = alert.Id };
                break;
            case AlertCondition.Action.Update:
                alert = Update(ctx, s, state!.AlertId!);
                if (alert is null)
                {
                    // Resolved by a person since the condition was saved: this breach starts a new alert.
                    alert = Raise(ctx, s, s.At);
                    next = next! with { AlertId = alert.Id, BreachSince = s.At };
                }

                break;
            case AlertCondition.Action.Resolve:
                alert = Close(ctx, s.CustomerId, state!.AlertId!, AlertTransition.System,
                    s.ResolveNote ?? $"condition clear since {(state.ClearSince ?? s.At).UtcDateTime:O}", requireOpen: false);
                break;
        }

        if (next != state && ctx.FindItem<Prefetched>(PrefetchedKey) is { } prefetched && prefetched.Patients.Contains((s.CustomerId, s.PatientId)))
        {
            prefetched.Conditions[(s.CustomerId, s.PatientId, s.Rule)] = next;
        }

        if (next is null)
        {
            ctx.Statement("alert_conditions.drop", DropConditionSql)
                .Bind(1, s.CustomerId).Bind(2, s.PatientId).Bind(3, s.Rule).Execute();
        }
        else if (next != state)
        {
            ctx.Statement("alert_conditions.save", SaveConditionSql)
                .Bind(1, s.CustomerId).Bind(2, s.PatientId).Bind(3, s.Rule).Bind(4, next.AlertId)
                .Bind(5, next.BreachSince is { } b ? EventTime.ToMicros(b) : null)
                .Bind(6, next.ClearSince is { } c ? EventTime.ToMicros(c) : null)
                .Bind(7, EventTime.ToMicros(next.LastAt))
                .Execute();
        }

        return alert;
    }

    /// <summary>Whether the patient has any remembered condition for <paramref name="rule"/> (an open alert or a pending breach).</summary>
    public static bool HasCondition(WriteContext ctx, string customerId, string patientId, string rule) =>
        Condition(ctx, customerId, patientId, rule) is not null;

    private const string PrefetchedKey = "alert_conditions.prefetched";

    /// <summary>The conditions of some patients, read ahead for the rest of a write job and kept up to date by it.</summary>
    private sealed class Prefetched
    {
        public HashSet<(string CustomerId, string PatientId)> Patients { get; } = [];

        public Dictionary<(string CustomerId, string PatientId, string Rule), AlertCondition?> Conditions { get; } = [];
    }

    /// <summary>
    /// Reads every condition of <paramref name="patients"/> now, in one query, so that the observations of the rest of
    /// this write job (a batch's threshold checks, scores and device activity) find them in memory instead of asking the
    /// database once each. The job's own changes keep the read-ahead current; a job run again starts without it.
    /// </summary>
    public static void Prefetch(WriteContext ctx, IEnumerable<(string CustomerId, string PatientId)> patients)
    {
        var prefetched = ctx.Item(PrefetchedKey, () => new Prefetched());
        var missing = patients.Where(p => !prefetched.Patients.Contains(p)).Distinct().ToList();
        PatientRows.Read(ctx, "SELECT customer_id, patient_id, rule, alert_id, breach_since, clear_since, last_at FROM alert_conditions WHERE {patients}",
            missing, row => prefetched.Conditions[(row.GetString(0), row.GetString(1), row.GetString(2))] = new AlertCondition(
                row.IsDBNull(3) ? null : row.GetString(3), row.IsDBNull(4) ? null : EventTime.FromMicros(row.GetInt64(4)),
                row.IsDBNull(5) ? null : EventTime.FromMicros(row.GetInt64(5)), EventTime.FromMicros(row.GetInt64(6))));
        prefetched.Patients.UnionWith(missing);
    }

    /// <summary>The patient's condition of <paramref name="rule"/>: from the read-ahead when there is one for the patient, else from the database.</summary>
    private static AlertCondition? Condition(WriteContext ctx, string customerId, string patientId, string rule)
    {
        if (ctx.FindItem<Prefetched>(PrefetchedKey) is { } prefetched && prefetched.Patients.Contains((customerId, patientId)))
        {
            return prefetched.Conditions.GetValueOrDefault((customerId, patientId, rule));
        }

        AlertCondition? state = null;
        ctx.Statement("alert_conditions.read", ConditionSql).Bind(1, customerId).Bind(2, patientId).Bind(3, rule).QueryFirst(row => state = new AlertCondition(
            row.Text(0), row.IsNull(1) ? null : EventTime.FromMicros(row.Int64(1)), row.IsNull(2) ? null : EventTime.FromMicros(row.Int64(2)),
            EventTime.FromMicros(row.Int64(3))));
        return state;
    }

    private Alert Raise(WriteContext ctx, Signal s, DateTimeOffset since)
    {
        var now = EventTime.ToMicros(ctx.Now);
        var alert = new Alert(Identifiers.New(), s.CustomerId, s.PatientId, s.DepartmentId, s.Rule, s.Kind, s.Severity, Alert.Active,
            s.Message, s.Value, s.Details, since, s.At, 1, ctx.Now, ctx.Now, null, null, null, null);
        ctx.Connection.Execute(
            """
            INSERT INTO alerts (id, customer_id, patient_id, department_id, rule, kind, severity, status, message, value, details,
                                first_at, last_at, breaches, created_at, updated_at)
            VALUES (@Id, @CustomerId, @PatientId, @DepartmentId, @Rule, @Kind, @Severity, @Status, @Message, @Value, @Details,
                    @firstAt, @lastAt, 1, @now, @now)
            """,
            new { alert.Id, alert.CustomerId, alert.PatientId, alert.DepartmentId, alert.Rule, alert.Kind, alert.Severity, alert.Status,
                alert.Message, alert.Value, alert.Details, firstAt = EventTime.ToMicros(since), lastAt = EventTime.ToMicros(s.At), now },
            ctx.Transaction);
        Transition(ctx, alert, AlertTransition.Created, AlertTransition.System, null);
        return alert;
    }

    /// <summary>A further breach of an open alert; null when the alert is no longer open.</summary>
    private Alert? Update(WriteContext ctx, Signal s, string alertId)
    {
        var current = Find(ctx, s.CustomerId, alertId);
        if (current is null || !current.IsOpen)
        {
            return null;
        }

        var severity = AlertSeverity.Higher(current.Severity, s.Severity);
        var alert = current with
        {
            Severity = severity, Message = s.Message, Value = s.Value, Details = s.Details, Breaches = current.Breaches + 1,
            LastAt = s.At > current.LastAt ? s.At : current.LastAt, UpdatedAt = ctx.Now,
        };
        ctx.Connection.Execute(
            """
            UPDATE alerts SET severity = @Severity, message = @Message, value = @Value, details = @Details, breaches = @Breaches,
                              last_at = @lastAt, updated_at = @now
            WHERE customer_id = @CustomerId AND id = @Id
            """,
            new { alert.Severity, alert.Message, alert.Value, alert.Details, alert.Breaches, lastAt = EventTime.ToMicros(alert.LastAt),
                now = EventTime.ToMicros(ctx.Now), alert.CustomerId, alert.Id },
            ctx.Transaction);
        if (severity != current.Severity)
        {
            Transition(ctx, alert, AlertTransition.Escalated, AlertTransition.System, $"{current.Severity} -> {severity}");
        }

        return alert;
    }

    /// <summary>Acknowledges an open alert; an acknowledged one stays as it is. A resolved alert cannot be acknowledged.</summary>
    public Alert Acknowledge(WriteContext ctx, string customerId, string alertId, string by, string? note)
    {
        var alert = Find(ctx, customerId, alertId) ?? throw RejectedException.NotFound($"Alert '{alertId}'");
        if (alert.Status == Alert.Resolved)
        {
            throw new RejectedException(RejectionKind.Conflict, $"Alert '{alertId}' is resolved and can no longer be acknowledged.");
        }

        if (alert.Status == Alert.Acknowledged)
        {
            return alert;
        }

        alert = alert with { Status = Alert.Acknowledged, AcknowledgedAt = ctx.Now, AcknowledgedBy = by, UpdatedAt = ctx.Now };
        ctx.Connection.Execute(
            "UPDATE alerts SET status = @Status, acknowledged_at = @now, acknowledged_by = @by, updated_at = @now WHERE customer_id = @CustomerId AND id = @Id",
            new { alert.Status, now = EventTime.ToMicros(ctx.Now), by, alert.CustomerId, alert.Id }, ctx.Transaction);
        Transition(ctx, alert, AlertTransition.Acknowledged, by, note);
        return alert;
    }

    /// <summary>Resolves an open alert by hand. Should the condition persist, the rule's next breach raises a new alert.</summary>
    public Alert Resolve(WriteContext ctx, string customerId, string alertId, string by, string? note) =>
        Close(ctx, customerId, alertId, by, note, requireOpen: true)!;

    private Alert? Close(WriteContext ctx, string customerId, string alertId, string by, string? note, bool requireOpen)
    {
        var alert = Find(ctx, customerId, alertId);
        if (alert is null || alert.Status == Alert.Resolved)
        {
            return !requireOpen ? null
                : alert is null ? throw RejectedException.NotFound($"Alert '{alertId}'")
                : throw new RejectedException(RejectionKind.Conflict, $"Alert '{alertId}' is already resolved.");
        }

        alert = alert with { Status = Alert.Resolved, ResolvedAt = ctx.Now, ResolvedBy = by, UpdatedAt = ctx.Now };
        ctx.Connection.Execute(
            "UPDATE alerts SET status = @Status, resolved_at = @now, resolved_by = @by, updated_at = @now WHERE customer_id = @CustomerId AND id = @Id",
            new { alert.Status, now = EventTime.ToMicros(ctx.Now), by, alert.CustomerId, alert.Id }, ctx.Transaction);
        ctx.Connection.Execute(
            "DELETE FROM alert_conditions WHERE customer_id = @CustomerId AND patient_id = @PatientId AND rule = @Rule AND alert_id = @Id",
            new { alert.CustomerId, alert.PatientId, alert.Rule, alert.Id }, ctx.Transaction);
        Transition(ctx, alert, AlertTransition.Resolved, by, note);
        return alert;
    }

    private void Transition(WriteContext ctx, Alert alert, string transition, string by, string? note)
    {
        ctx.Connection.Execute(
            """
            INSERT INTO alert_transitions (customer_id, alert_id, transition, severity, at, by, note)
            VALUES (@CustomerId, @Id, @transition, @Severity, @now, @by, @note)
            """,
            new { alert.CustomerId, alert.Id, transition, alert.Severity, now = EventTime.ToMicros(ctx.Now), by, note }, ctx.Transaction);
        log.Append(ctx, [AlertMessage.For(alert, new AlertTransition(transition, alert.Severity, ctx.Now, by, note), ctx.TraceParent)]);
        changes?.Publish(ctx, [(alert.CustomerId, alert.PatientId)]);
    }
}

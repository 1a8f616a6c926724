using Dapper;
using Vigil.Domain;
using Vigil.Domain.Alerts;

namespace Vigil.Storage.Alerts;

public sealed partial class AlertStore
{
    /// <summary>
    /// A recorded transition and its alert: status and severity as they were right after the transition, the other
    /// fields as the alert stands when read. <see cref="Seq"/> orders transitions as they were recorded.
    /// </summary>
    public sealed record Change(long Seq, AlertTransition Transition, Alert Alert);

    /// <summary>Where a watcher starts: the newest transition recorded so far (0 before any).</summary>
    public async Task<long> LastTransitionAsync(CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        return await c.ExecuteScalarAsync<long?>(new CommandDefinition(
            "SELECT MAX(seq) FROM alert_transitions", cancellationToken: cancellationToken)) ?? 0;
    }

    /// <summary>A customer's transitions recorded after <paramref name="afterSeq"/> (of one patient when given), oldest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<Change>> ChangesAfterAsync(
        string customerId, string? patientId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<ChangeRow, Row, Change>(new CommandDefinition(
            $"""
            SELECT t.seq AS TransitionSeq, t.transition, t.severity AS TransitionSeverity, t.at, t.by, t.note,
                   (SELECT p.transition FROM alert_transitions p
                    WHERE p.customer_id = t.customer_id AND p.alert_id = t.alert_id AND p.seq <= t.seq AND p.transition <> 'escalated'
                    ORDER BY p.seq DESC LIMIT 1) AS StatusTransition,
                   {string.Join(", ", Columns.Split(',').Select(x => "a." + x.Trim()))}
            FROM alert_transitions t JOIN alerts a ON a.customer_id = t.customer_id AND a.id = t.alert_id
            WHERE t.customer_id = @customerId AND t.seq > @afterSeq AND (@patientId IS NULL OR a.patient_id = @patientId)
            ORDER BY t.seq LIMIT @limit
            """,
            new { customerId, patientId, afterSeq, limit }, cancellationToken: cancellationToken),
            static (t, a) => new Change(
                t.TransitionSeq, new AlertTransition(t.Transition, t.TransitionSeverity, EventTime.FromMicros(t.At), t.By, t.Note),
                a.ToAlert() with { Severity = t.TransitionSeverity, Status = t.StatusTransition == AlertTransition.Created ? Alert.Active : t.StatusTransition }),
            splitOn: "seq");
        return rows.AsList();
    }

    /// <summary><see cref="StatusTransition"/>: the alert's last transition up to this one that set its status (an escalation does not).</summary>
    private sealed record ChangeRow(long TransitionSeq, string Transition, string TransitionSeverity, long At, string By, string? Note, string StatusTransition);
}

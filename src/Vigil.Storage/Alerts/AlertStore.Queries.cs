using Dapper;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Alerts;

public sealed partial class AlertStore
{
    private const string Columns = """
        seq, id, customer_id, patient_id, department_id, rule, kind, severity, status, message, value, details, first_at, last_at, breaches,
        created_at, updated_at, acknowledged_at, acknowledged_by, resolved_at, resolved_by
        """;

    private sealed record Row(
        long Seq, string Id, string CustomerId, string PatientId, string? DepartmentId, string Rule, string Kind, string Severity, string Status,
        string Message, double? Value, string Details, long FirstAt, long LastAt, long Breaches, long CreatedAt, long UpdatedAt,
        long? AcknowledgedAt, string? AcknowledgedBy, long? ResolvedAt, string? ResolvedBy)
    {
        public Alert ToAlert() => new(
            Id, CustomerId, PatientId, DepartmentId, Rule, Kind, Severity, Status, Message, Value, Details, T(FirstAt), T(LastAt), (int)Breaches,
            T(CreatedAt), T(UpdatedAt), AcknowledgedAt is { } a ? T(a) : null, AcknowledgedBy, ResolvedAt is { } r ? T(r) : null, ResolvedBy);

        private static DateTimeOffset T(long micros) => EventTime.FromMicros(micros);
    }

    private sealed record TransitionRow(string Transition, string Severity, long At, string By, string? Note)
    {
        public AlertTransition ToTransition() => new(Transition, Severity, EventTime.FromMicros(At), By, Note);
    }

    /// <summary>What to list: one patient or all, a status (or "open": active and acknowledged), a severity, a rule; newest first.</summary>
    public sealed record Query(
        string? PatientId, string? Status, string? Severity, string? Rule, DateTimeOffset? From, DateTimeOffset? To, long? BeforeSeq, int Limit);

    /// <summary>The page of alerts and the cursor to the next one (the seq of the last alert) when there is more.</summary>
    public sealed record Page(IReadOnlyList<Alert> Items, long? Next);

    private static Alert? Find(WriteContext ctx, string customerId, string alertId) =>
        ctx.Connection.QuerySingleOrDefault<Row>($"SELECT {Columns} FROM alerts WHERE customer_id = @customerId AND id = @alertId",
            new { customerId, alertId }, ctx.Transaction)?.ToAlert();

    public async Task<(Alert Alert, IReadOnlyList<AlertTransition> Transitions)?> GetAsync(string customerId, string alertId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM alerts WHERE customer_id = @customerId AND id = @alertId", new { customerId, alertId }, cancellationToken: cancellationToken));
        if (row is null)
        {
            return null;
        }

        var transitions = await c.QueryAsync<TransitionRow>(new CommandDefinition(
            "SELECT transition, severity, at, by, note FROM alert_transitions WHERE customer_id = @customerId AND alert_id = @alertId ORDER BY seq",
            new { customerId, alertId }, cancellationToken: cancellationToken));
        return (row.ToAlert(), transitions.Select(t => t.ToTransition()).ToList());
    }

    /// <summary>A customer's alerts, newest first; created between <see cref="Query.From"/> and <see cref="Query.To"/> when given.</summary>
    public async Task<Page> ListAsync(string customerId, Query q, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM alerts
            WHERE customer_id = @customerId
              AND (@PatientId IS NULL OR patient_id = @PatientId)
              AND (@Status IS NULL OR (@Status = 'open' AND status <> 'resolved') OR status = @Status)
              AND (@Severity IS NULL OR severity = @Severity)
              AND (@Rule IS NULL OR rule = @Rule)
              AND created_at >= @from AND created_at < @to
              AND seq < @before
            ORDER BY seq DESC LIMIT @take
            """,
            new
            {
                customerId, q.PatientId, q.Status, q.Severity, q.Rule,
                from = EventTime.FromBound(q.From),
                to = EventTime.ToBound(q.To),
                before = q.BeforeSeq ?? long.MaxValue, take = q.Limit + 1,
            },
            cancellationToken: cancellationToken))).AsList();
        var more = rows.Count > q.Limit;
        var page = more ? rows.GetRange(0, q.Limit) : rows;
        return new Page(page.Select(r => r.ToAlert()).ToList(), more ? page[^1].Seq : null);
    }
}

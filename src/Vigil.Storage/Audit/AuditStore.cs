using Dapper;
using Vigil.Domain;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Audit;

/// <summary>
/// The audit trail (table <c>audit_log</c>, append-only by its triggers): rows are written in a write job, so an entry
/// is durable when the job's task completes, and listed per customer, newest first.
/// </summary>
public sealed class AuditStore(IDatabase db)
{
    private const string InsertSql =
        """
        INSERT INTO audit_log (at, customer_id, actor, actor_role, interface, action, method, route, resource_type, resource_id,
                               patient_id, outcome, remote_address)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
        """;

    private sealed record Row(
        long Seq, long At, string? CustomerId, string Actor, string ActorRole, string Interface, string Action, string Method, string Route,
        string? ResourceType, string? ResourceId, string? PatientId, string Outcome, string? RemoteAddress)
    {
        public AuditEntry ToEntry() => new(EventTime.FromMicros(At), CustomerId, Actor, ActorRole, Interface, Action, Method, Route,
            ResourceType, ResourceId, PatientId, Outcome, RemoteAddress) { Seq = Seq };
    }

    /// <summary>Appends entries inside the caller's write transaction.</summary>
    public static void Record(WriteContext ctx, IReadOnlyList<AuditEntry> entries)
    {
        var insert = ctx.Statement("audit_log.insert", InsertSql);
        foreach (var e in entries)
        {
            insert.Bind(1, EventTime.ToMicros(e.At)).Bind(2, e.CustomerId).Bind(3, e.Actor).Bind(4, e.ActorRole).Bind(5, e.Interface)
                .Bind(6, e.Action).Bind(7, e.Method).Bind(8, e.Route).Bind(9, e.ResourceType).Bind(10, e.ResourceId).Bind(11, e.PatientId)
                .Bind(12, e.Outcome).Bind(13, e.RemoteAddress).Execute();
        }
    }

    /// <summary>What to list: a time range (inclusive from, exclusive to), an actor, a patient, an action, and a page.</summary>
    public sealed record Query(DateTimeOffset? From, DateTimeOffset? To, string? Actor, string? PatientId, string? Action, long? Before, int Limit);

    /// <summary>A page of entries, newest first, and the cursor of the next page.</summary>
    public sealed record Page(IReadOnlyList<AuditEntry> Items, long? Next);

    public async Task<Page> ListAsync(string customerId, Query q, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT seq, at, customer_id AS CustomerId, actor, actor_role AS ActorRole, interface, action, method, route,
                   resource_type AS ResourceType, resource_id AS ResourceId, patient_id AS PatientId, outcome, remote_address AS RemoteAddress
            FROM audit_log
            WHERE customer_id = @customerId
              AND seq < @before
              AND at >= @from AND at < @to
              AND (@actor IS NULL OR actor = @actor)
              AND (@patientId IS NULL OR patient_id = @patientId)
              AND (@action IS NULL OR action = @action)
            ORDER BY seq DESC
            LIMIT @take
            """,
            new
            {
                customerId,
                before = q.Before ?? long.MaxValue,
                from = EventTime.FromBound(q.From),
                to = EventTime.ToBound(q.To),
                actor = q.Actor,
                patientId = q.PatientId,
                action = q.Action,
                take = q.Limit + 1,
            },
            cancellationToken: cancellationToken))).ToList();
        var items = rows.Take(q.Limit).Select(r => r.ToEntry()).ToList();
        return new Page(items, rows.Count > q.Limit ? items[^1].Seq : null);
    }
}

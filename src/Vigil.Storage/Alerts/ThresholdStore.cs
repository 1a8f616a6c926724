using Dapper;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Log;
using Vigil.Storage;
using Vigil.Storage.EventLog;
using Vigil.Storage.Reference;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Alerts;

/// <summary>
/// Alert thresholds per scope. Replacing a scope's rules moves <c>threshold_version</c> and appends a
/// "thresholds.replaced" change to <c>reference.changes</c> in the same transaction, so evaluators see the change on
/// their next batch and other roles hear of it.
/// </summary>
public sealed class ThresholdStore(IDatabase db, IEventLog log)
{
    /// <summary>A scope's configured rules, who set them and when.</summary>
    public sealed record ScopeRules(ThresholdScope Scope, IReadOnlyList<ThresholdRule> Rules, DateTimeOffset UpdatedAt, string UpdatedBy);

    private sealed record Row(string Scope, string ScopeId, string Type, double? Low, double? High, long ForSeconds, string Severity, long UpdatedAt, string UpdatedBy)
    {
        public ThresholdRule ToRule() => new(Type, Low, High, (int)ForSeconds, Severity);
    }

    private const string Columns = "scope, scope_id, type, low, high, for_seconds, severity, updated_at, updated_by";

    /// <summary>Replaces every rule of <paramref name="scope"/> with <paramref name="rules"/> (none: the scope falls back to wider ones).</summary>
    public ScopeRules Replace(WriteContext ctx, string customerId, ThresholdScope scope, IReadOnlyList<ThresholdRule> rules, string by)
    {
        RequireScope(ctx, customerId, scope);
        ctx.Connection.Execute("DELETE FROM thresholds WHERE customer_id = @customerId AND scope = @Kind AND scope_id = @Id",
            new { customerId, scope.Kind, scope.Id }, ctx.Transaction);
        var now = EventTime.ToMicros(ctx.Now);
        foreach (var r in rules)
        {
            ctx.Connection.Execute(
                $"""
                INSERT INTO thresholds (customer_id, {Columns})
                VALUES (@customerId, @Kind, @Id, @Type, @Low, @High, @ForSeconds, @Severity, @now, @by)
                """,
                new { customerId, scope.Kind, scope.Id, r.Type, r.Low, r.High, r.ForSeconds, r.Severity, now, by }, ctx.Transaction);
        }

        var result = new ScopeRules(scope, rules, ctx.Now, by);
        Changed(ctx, log, customerId, scope, result);
        return result;
    }

    /// <summary>Drops the threshold and anomaly rules of a department or patient that is being deleted, in the deletion's transaction.</summary>
    internal static void RemoveScope(WriteContext ctx, IEventLog log, string customerId, ThresholdScope scope)
    {
        var anomalyRules = ctx.Connection.Execute("DELETE FROM anomaly_rules WHERE customer_id = @customerId AND scope = @Kind AND scope_id = @Id",
            new { customerId, scope.Kind, scope.Id }, ctx.Transaction);
        if (ctx.Connection.Execute("DELETE FROM thresholds WHERE customer_id = @customerId AND scope = @Kind AND scope_id = @Id",
                new { customerId, scope.Kind, scope.Id }, ctx.Transaction) + anomalyRules > 0)
        {
            Changed(ctx, log, customerId, scope, new ScopeRules(scope, [], ctx.Now, "system"));
        }
    }

    private static void Changed(WriteContext ctx, IEventLog log, string customerId, ThresholdScope scope, ScopeRules rules)
    {
        ctx.Connection.Execute("UPDATE threshold_version SET version = version + 1 WHERE id = 1", transaction: ctx.Transaction);
        var key = scope.Kind == ThresholdScope.Patient ? Keys.Patient(customerId, scope.Id) : Keys.Entity(customerId, "thresholds", scope.Kind);
        ReferenceChange.Append(ctx, log, "thresholds", "replaced", customerId, $"{scope.Kind}/{scope.Id}", key, rules);
    }

    /// <summary>The version every threshold change moves; read inside a batch's transaction.</summary>
    public static long Version(WriteContext ctx) =>
        ctx.Connection.ExecuteScalar<long>("SELECT version FROM threshold_version WHERE id = 1", transaction: ctx.Transaction);

    /// <summary>All of a customer's configured rules by scope, read in the caller's transaction.</summary>
    public static IReadOnlyDictionary<ThresholdScope, IReadOnlyList<ThresholdRule>> Load(WriteContext ctx, string customerId) =>
        Group(ctx.Connection.Query<Row>($"SELECT {Columns} FROM thresholds WHERE customer_id = @customerId", new { customerId }, ctx.Transaction))
            .ToDictionary(s => s.Scope, s => s.Rules);

    public async Task<IReadOnlyList<ScopeRules>> ListAsync(string customerId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM thresholds WHERE customer_id = @customerId ORDER BY scope, scope_id, type", new { customerId },
            cancellationToken: cancellationToken));
        return Group(rows);
    }

    private static List<ScopeRules> Group(IEnumerable<Row> rows) =>
        rows.GroupBy(r => new ThresholdScope(r.Scope, r.ScopeId))
            .Select(g => new ScopeRules(g.Key, g.Select(r => r.ToRule()).ToList(), EventTime.FromMicros(g.Max(r => r.UpdatedAt)), g.First().UpdatedBy))
            .ToList();

    internal static void RequireScope(WriteContext ctx, string customerId, ThresholdScope scope)
    {
        var (sql, field) = scope.Kind switch
        {
            ThresholdScope.Customer => ("SELECT 1 FROM customers WHERE id = @Id", "customerId"),
            ThresholdScope.Department => ("SELECT 1 FROM departments WHERE customer_id = @customerId AND id = @Id", "departmentId"),
            ThresholdScope.Patient => ("SELECT 1 FROM patients WHERE customer_id = @customerId AND id = @Id", "patientId"),
            _ => throw new ArgumentException($"unknown scope kind '{scope.Kind}'", nameof(scope)),
        };
        if ((scope.Kind == ThresholdScope.Customer && scope.Id != customerId)
            || ctx.Connection.ExecuteScalar<long?>(sql, new { customerId, scope.Id }, ctx.Transaction) is null)
        {
            throw RejectedException.Invalid($"scope.{field}", $"'{scope.Id}' is not a {scope.Kind} of this customer");
        }
    }
}

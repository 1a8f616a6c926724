using Dapper;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Insights;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Alerts;

/// <summary>
/// Anomaly rules per scope, stored as thresholds are: replacing a scope's rules moves <c>threshold_version</c> (the
/// version every alert-rule change moves, so the analyzer's caches follow on their next batch) and appends an
/// "anomaly_rules.replaced" change to <c>reference.changes</c>, in the same transaction.
/// </summary>
public sealed class AnomalyRuleStore(IDatabase db, IEventLog log)
{
    /// <summary>A scope's configured rules, who set them and when.</summary>
    public sealed record ScopeRules(ThresholdScope Scope, IReadOnlyList<AnomalyRule> Rules, DateTimeOffset UpdatedAt, string UpdatedBy);

    private sealed record Row(string Scope, string ScopeId, string Type, double K, long Minutes, long WarmupMinutes, string Severity, long UpdatedAt, string UpdatedBy)
    {
        public AnomalyRule ToRule() => new(Type, K, (int)Minutes, (int)WarmupMinutes, Severity);
    }

    private const string Columns = "scope, scope_id, type, k, minutes, warmup_minutes, severity, updated_at, updated_by";

    /// <summary>Replaces every rule of <paramref name="scope"/> with <paramref name="rules"/> (none: the scope falls back to wider ones).</summary>
    public ScopeRules Replace(WriteContext ctx, string customerId, ThresholdScope scope, IReadOnlyList<AnomalyRule> rules, string by)
    {
        ThresholdStore.RequireScope(ctx, customerId, scope);
        ctx.Connection.Execute("DELETE FROM anomaly_rules WHERE customer_id = @customerId AND scope = @Kind AND scope_id = @Id",
            new { customerId, scope.Kind, scope.Id }, ctx.Transaction);
        var now = EventTime.ToMicros(ctx.Now);
        foreach (var r in rules)
        {
            ctx.Connection.Execute(
                $"""
                INSERT INTO anomaly_rules (customer_id, {Columns})
                VALUES (@customerId, @Kind, @Id, @Type, @K, @Minutes, @WarmupMinutes, @Severity, @now, @by)
                """,
                new { customerId, scope.Kind, scope.Id, r.Type, r.K, r.Minutes, r.WarmupMinutes, r.Severity, now, by }, ctx.Transaction);
        }

        var result = new ScopeRules(scope, rules, ctx.Now, by);
        ctx.Connection.Execute("UPDATE threshold_version SET version = version + 1 WHERE id = 1", transaction: ctx.Transaction);
        var key = scope.Kind == ThresholdScope.Patient ? Keys.Patient(customerId, scope.Id) : Keys.Entity(customerId, "anomaly_rules", scope.Kind);
        ReferenceChange.Append(ctx, log, "anomaly_rules", "replaced", customerId, $"{scope.Kind}/{scope.Id}", key, result);
        return result;
    }

    /// <summary>All of a customer's configured rules by scope, read in the caller's transaction.</summary>
    public static IReadOnlyDictionary<ThresholdScope, IReadOnlyList<AnomalyRule>> Load(WriteContext ctx, string customerId) =>
        Group(ctx.Connection.Query<Row>($"SELECT {Columns} FROM anomaly_rules WHERE customer_id = @customerId", new { customerId }, ctx.Transaction))
            .ToDictionary(s => s.Scope, s => s.Rules);

    public async Task<IReadOnlyList<ScopeRules>> ListAsync(string customerId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM anomaly_rules WHERE customer_id = @customerId ORDER BY scope, scope_id, type", new { customerId },
            cancellationToken: cancellationToken));
        return Group(rows);
    }

    private static List<ScopeRules> Group(IEnumerable<Row> rows) =>
        rows.GroupBy(r => new ThresholdScope(r.Scope, r.ScopeId))
            .Select(g => new ScopeRules(g.Key, g.Select(r => r.ToRule()).ToList(), EventTime.FromMicros(g.Max(r => r.UpdatedAt)), g.First().UpdatedBy))
            .ToList();
}

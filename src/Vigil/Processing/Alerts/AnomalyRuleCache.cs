using Vigil.Domain.Alerts;
using Vigil.Domain.Insights;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Alerts;

/// <summary>
/// Effective anomaly rules per patient, read through the writer's transaction and kept until <c>threshold_version</c>
/// moves (every anomaly-rule change moves it), exactly as <see cref="ThresholdCache"/> keeps thresholds. Used on the
/// writer thread only.
/// </summary>
internal sealed class AnomalyRuleCache
{
    private readonly VersionedCache<string, IReadOnlyDictionary<ThresholdScope, IReadOnlyList<AnomalyRule>>> _customers = new();
    private readonly VersionedCache<(string, string?, string), IReadOnlyDictionary<string, EffectiveAnomalyRules.Effective>> _patients = new();

    public void Refresh(WriteContext ctx)
    {
        var version = ThresholdStore.Version(ctx);
        _customers.Refresh(ctx, version);
        _patients.Refresh(ctx, version);
    }

    public IReadOnlyDictionary<string, EffectiveAnomalyRules.Effective> For(WriteContext ctx, string customerId, string? departmentId, string patientId) =>
        _patients.GetOrAdd((customerId, departmentId, patientId), key =>
            EffectiveAnomalyRules.Resolve(_customers.GetOrAdd(customerId, c => AnomalyRuleStore.Load(ctx, c)), key.Item1, key.Item2, key.Item3));
}

using Vigil.Domain.Alerts;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Alerts;

/// <summary>
/// Effective thresholds per patient, read through the writer's transaction and kept until <c>threshold_version</c>
/// moves: callers call <see cref="Refresh"/> once per batch, so a threshold change committed before a reading applies
/// to it, with no restart and no per-reading query. Used on the writer thread only.
/// </summary>
internal sealed class ThresholdCache
{
    private readonly VersionedCache<string, IReadOnlyDictionary<ThresholdScope, IReadOnlyList<ThresholdRule>>> _customers = new();
    private readonly VersionedCache<(string, string?, string), IReadOnlyDictionary<string, EffectiveThresholds.Effective>> _patients = new();

    public void Refresh(WriteContext ctx)
    {
        var version = ThresholdStore.Version(ctx);
        _customers.Refresh(ctx, version);
        _patients.Refresh(ctx, version);
    }

    public IReadOnlyDictionary<string, EffectiveThresholds.Effective> For(WriteContext ctx, string customerId, string? departmentId, string patientId) =>
        _patients.GetOrAdd((customerId, departmentId, patientId), key =>
            EffectiveThresholds.Resolve(_customers.GetOrAdd(customerId, c => ThresholdStore.Load(ctx, c)), key.Item1, key.Item2, key.Item3));
}

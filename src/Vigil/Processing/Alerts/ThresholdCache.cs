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
    private const int MaxPatients = 100_000;

    private readonly Dictionary<string, IReadOnlyDictionary<ThresholdScope, IReadOnlyList<ThresholdRule>>> _customers = [];
    private readonly Dictionary<(string, string?, string), IReadOnlyDictionary<string, EffectiveThresholds.Effective>> _patients = [];
    private long _version = -1;

    public void Refresh(WriteContext ctx)
    {
        var version = ThresholdStore.Version(ctx);
        if (version != _version || _patients.Count > MaxPatients)
        {
            _customers.Clear();
            _patients.Clear();
            _version = version;
        }
    }

    public IReadOnlyDictionary<string, EffectiveThresholds.Effective> For(WriteContext ctx, string customerId, string? departmentId, string patientId)
    {
        if (!_patients.TryGetValue((customerId, departmentId, patientId), out var effective))
        {
            if (!_customers.TryGetValue(customerId, out var configured))
            {
                _customers[customerId] = configured = ThresholdStore.Load(ctx, customerId);
            }

            _patients[(customerId, departmentId, patientId)] = effective = EffectiveThresholds.Resolve(configured, customerId, departmentId, patientId);
        }

        return effective;
    }
}

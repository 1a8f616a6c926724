using Microsoft.Extensions.Options;
using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// The analyze role's windows stage: keeps, per patient and quantity vital type, the
/// count, min, max, mean and last of every 1-minute, 5-minute and 1-hour tumbling event-time window (UTC-aligned),
/// with each window flagged final once the patient's watermark has passed its end. Aggregates and watermarks commit
/// with the <see cref="Analyzer"/>'s offset, so each reading is reflected exactly once; a reading for a window
/// already final updates it and counts as a late correction.
/// </summary>
/// <remarks>
/// Patients' in-memory windows are a cache of the stored rows. A batch takes its patients out of the cache, changes
/// them, and puts them back only once its transaction has committed: the writer may roll a batch back and run it again,
/// and a rolled-back batch leaves its patients out of the cache, so the next attempt reads them from the store as the
/// rollback left it (taking them out instead of copying them saves copying every open window of every patient on every
/// batch). Handle and the after-commit actions both run on the writer thread.
/// </remarks>
public sealed class WindowAggregator(IOptions<AnalysisOptions> options)
{
    private readonly WindowOptions _options = new(options.Value.AllowedLateness, WindowOptions.Default.Retention);
    private readonly Dictionary<(string CustomerId, string PatientId), PatientWindows> _patients = [];
    private readonly Dictionary<(string CustomerId, string PatientId, string Type, string Size, DateTimeOffset Start), WindowAggregate> _changed = [];

    public void Apply(WriteContext ctx, IReadOnlyList<EnrichedReading> readings)
    {
        var patients = new Dictionary<(string CustomerId, string PatientId), PatientWindows>();
        // Reused from batch to batch (Apply runs on the writer thread only): a batch can change thousands of windows,
        // and a dictionary of that size is an array on the large-object heap.
        var changed = _changed;
        changed.Clear();
        foreach (var r in readings)
        {
            var (customerId, patientId) = (r.CustomerId, r.PatientId);
            if (!patients.TryGetValue((customerId, patientId), out var windows))
            {
                patients[(customerId, patientId)] = windows = Load(ctx, customerId, patientId);
            }

            if (ReadingOf(r) is not { } reading)
            {
                continue;
            }

            foreach (var update in windows.Add(reading))
            {
                var a = update.Aggregate;
                var key = (customerId, patientId, a.Type.Name, a.Size.Name, a.Start);
                if (!update.MergeIntoStored)
                {
                    changed[key] = a;
                }
                else if (changed.TryGetValue(key, out var pending))
                {
                    changed[key] = pending.Merge(a);
                }
                else
                {
                    // Evicted from memory: the stored aggregate (if any) holds the window's earlier readings.
                    changed[key] = WindowStore.Find(ctx, customerId, a)?.Merge(a) ?? a;
                }
            }

            foreach (var closed in windows.Advance())
            {
                changed[(customerId, patientId, closed.Type.Name, closed.Size.Name, closed.Start)] = closed;
            }
        }

        WindowStore.Save(ctx, changed.Select(c => (c.Key.CustomerId, c.Value)));
        WindowStore.SaveWatermarks(ctx, patients
            .Where(p => p.Value.Watermark.LatestEventTime is not null)
            .Select(p => (p.Key.CustomerId, p.Key.PatientId, p.Value.Watermark.LatestEventTime!.Value, p.Value.LateCorrections)));

        ctx.OnCommitted(() =>
        {
            foreach (var (key, windows) in patients)
            {
                _patients[key] = windows;
            }
        });
    }

    /// <summary>Drops every cached patient: the next batch reads what it needs from the store (this member has been handed partitions another may have handled).</summary>
    public void Forget() => _patients.Clear();

    /// <summary>
    /// The cached windows, taken out of the cache (they go back once the batch has committed), or the stored state.
    /// </summary>
    private PatientWindows Load(WriteContext ctx, string customerId, string patientId)
    {
        if (_patients.Remove((customerId, patientId), out var cached))
        {
            return cached;
        }

        var stored = WindowStore.Load(ctx, customerId, patientId, _options);
        return PatientWindows.Restore(patientId, stored.Aggregates, stored.LatestEventTime, stored.LateCorrections, _options);
    }

    /// <summary>The reading an enriched message carries; only a quantity's value matters, any type's time moves the watermark.</summary>
    private static Reading? ReadingOf(EnrichedReading r) =>
        r.Type is null ? null : new Reading(r.Id, r.PatientId, null, r.Type, r.Type.Kind == ValueKind.Quantity ? r.Number : null, null, r.ObservedAt);
}

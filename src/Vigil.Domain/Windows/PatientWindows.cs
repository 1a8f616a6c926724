using Vigil.Domain.Readings;

namespace Vigil.Domain.Windows;

/// <summary>
/// One patient's tumbling windows (every quantity vital type, every <see cref="WindowSize"/>) and watermark, kept in
/// memory by the stream processor that owns the patient's partition. Driven only by the event times of the readings
/// added: no clock, no I/O. Not thread-safe; one patient's readings are processed in order by one consumer.
/// </summary>
/// <remarks>
/// Use: for each reading, <see cref="Add"/> then <see cref="Advance"/>, and persist what both return (upsert by
/// patient, type, size, start). Windows that are final and end more than <see cref="WindowOptions.Retention"/>
/// before the watermark are evicted; a late reading for one comes back flagged
/// <see cref="WindowUpdate.MergeIntoStored"/>, holding that reading alone, and the caller merges it into the stored
/// aggregate with <see cref="WindowAggregate.Merge"/>. Eviction keeps memory bounded; merging keeps every reading
/// reflected. After a restart, <see cref="Restore"/> continues from the stored aggregates.
/// </remarks>
public sealed class PatientWindows(string patientId, WindowOptions? options = null)
{
    private readonly Dictionary<WindowKey, WindowAggregate> windows = [];

    // Windows not yet final: those within the allowed lateness of the latest reading, a handful per type.
    private readonly List<WindowKey> open = [];

    private readonly PriorityQueue<WindowKey, DateTimeOffset> finalByEnd = new();

    // Every window ending at or after this that has had a reading is in memory; one ending before may be stored only.
    private DateTimeOffset? evictedBefore;

    public string PatientId { get; } = patientId;

    public WindowOptions Options { get; } = options ?? WindowOptions.Default;

    public PatientWatermark Watermark { get; private set; } = new(null, (options ?? WindowOptions.Default).AllowedLateness);

    /// <summary>Readings that changed at least one window already final: results reported earlier were corrected.</summary>
    public long LateCorrections { get; private set; }

    /// <summary>The aggregates held in memory, final or not, in no particular order.</summary>
    public IReadOnlyCollection<WindowAggregate> Windows => windows.Values;

    /// <summary>
    /// Continues from persisted state: the stored aggregates of every window ending at or after
    /// <see cref="WindowOptions.EvictionHorizon"/> of the patient's latest event time (more is harmless), and the
    /// latest event time when it may be newer than the aggregates show (readings of non-quantity types move it too).
    /// </summary>
    public static PatientWindows Restore(
        string patientId,
        IEnumerable<WindowAggregate> stored,
        DateTimeOffset? latestEventTime = null,
        long lateCorrections = 0,
        WindowOptions? options = null)
    {
        var restored = new PatientWindows(patientId, options) { LateCorrections = lateCorrections };
        var aggregates = stored.ToList();
        foreach (var aggregate in aggregates)
        {
            if (aggregate.PatientId != patientId)
            {
                throw new ArgumentException("an aggregate of another patient was restored into these windows", nameof(stored));
            }

            // The latest reading is in windows that are never final yet, so never evicted: its time is stored.
            restored.Watermark = restored.Watermark.Observe(aggregate.LastAt);
        }

        if (latestEventTime is { } latest)
        {
            restored.Watermark = restored.Watermark.Observe(latest);
        }

        foreach (var aggregate in aggregates)
        {
            var key = new WindowKey(aggregate.Type.Name, aggregate.Window);
            if (!restored.windows.TryAdd(key, aggregate))
            {
                throw new ArgumentException($"window {aggregate.Type}/{aggregate.Window} restored twice", nameof(stored));
            }

            // Trust the watermark over the stored flag: a window it has passed but not stored as final (a crash
            // between the two writes) is reported again by the next Advance.
            if (aggregate.Final && restored.Watermark.HasPassed(aggregate.End))
            {
                restored.finalByEnd.Enqueue(key, aggregate.End);
            }
            else
            {
                restored.windows[key] = aggregate with { Final = false };
                restored.open.Add(key);
            }
        }

        if (restored.Watermark.LatestEventTime is { } known)
        {
            restored.evictedBefore = restored.Options.EvictionHorizon(known);
        }

        return restored;
    }

    /// <summary>
    /// Adds a reading to its window of each size and moves the watermark. Readings of non-quantity types (ACVPU,
    /// flags) are not aggregated, so return no updates, but still move the patient's watermark.
    /// </summary>
    public IReadOnlyList<WindowUpdate> Add(Reading reading)
    {
        if (reading.PatientId != PatientId)
        {
            throw new ArgumentException($"reading {reading.Id} of another patient added to these windows", nameof(reading));
        }

        WindowUpdate[] updates = [];
        if (reading.Type.Kind == ValueKind.Quantity)
        {
            updates = new WindowUpdate[WindowSize.All.Count];
            var late = false;
            for (var i = 0; i < updates.Length; i++)
            {
                updates[i] = Update(reading, WindowSize.All[i]);
                late |= updates[i].LateCorrection;
            }

            if (late)
            {
                LateCorrections++;
            }
        }

        // After the update: with lateness >= 0 a reading never closes its own window.
        Watermark = Watermark.Observe(reading.ObservedAt);
        return updates;
    }

    /// <summary>
    /// The windows the watermark has passed since the last call, now final, ordered by end; then evicts final windows
    /// past retention. Covers every vital type: a heart rate can close a blood pressure window.
    /// </summary>
    public IReadOnlyList<WindowAggregate> Advance()
    {
        var closed = new List<WindowAggregate>();
        for (var i = open.Count - 1; i >= 0; i--)
        {
            var key = open[i];
            var aggregate = windows[key];
            if (!Watermark.HasPassed(aggregate.End))
            {
                continue;
            }

            aggregate = aggregate with { Final = true };
            windows[key] = aggregate;
            closed.Add(aggregate);
            open[i] = open[^1];
            open.RemoveAt(open.Count - 1);
            finalByEnd.Enqueue(key, aggregate.End);
        }

        Evict();
        if (closed.Count > 1)
        {
            closed.Sort(static (a, b) =>
                a.End != b.End ? a.End.CompareTo(b.End)
                : a.Size.Micros != b.Size.Micros ? a.Size.Micros.CompareTo(b.Size.Micros)
                : string.CompareOrdinal(a.Type.Name, b.Type.Name));
        }

        return closed;
    }

    private WindowUpdate Update(Reading reading, WindowSize size)
    {
        var window = TumblingWindow.Containing(size, reading.ObservedAt);
        var key = new WindowKey(reading.Type.Name, window);
        var late = Watermark.HasPassed(window.End);

        if (windows.TryGetValue(key, out var current))
        {
            // A window the watermark passed but Advance has not reported yet stays open, so it is still reported.
            var updated = current.Add(reading, late);
            windows[key] = updated;
            return new WindowUpdate(updated, late, MergeIntoStored: false);
        }

        var first = WindowAggregate.Of(reading, size, late);
        if (evictedBefore is { } horizon && window.End < horizon)
        {
            return new WindowUpdate(first, late, MergeIntoStored: true);
        }

        windows[key] = first;
        if (late)
        {
            // Final from its first reading: it never was open, so Advance does not report it.
            finalByEnd.Enqueue(key, window.End);
        }
        else
        {
            open.Add(key);
        }

        return new WindowUpdate(first, late, MergeIntoStored: false);
    }

    private void Evict()
    {
        if (Watermark.LatestEventTime is not { } latest)
        {
            return;
        }

        var horizon = Options.EvictionHorizon(latest);
        while (finalByEnd.TryPeek(out var key, out var end) && end < horizon)
        {
            finalByEnd.Dequeue();
            windows.Remove(key);
        }

        if (evictedBefore is null || horizon > evictedBefore)
        {
            evictedBefore = horizon;
        }
    }

    // By type name, not instance, so aggregates restored from storage match readings of the same type.
    private readonly record struct WindowKey(string TypeName, TumblingWindow Window);
}

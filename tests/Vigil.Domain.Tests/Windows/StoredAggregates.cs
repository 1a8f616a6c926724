using Vigil.Domain.Readings;
using Vigil.Domain.Windows;

namespace Vigil.Domain.Tests.Windows;

/// <summary>
/// What a stream processor does with <see cref="PatientWindows"/>: add, advance, and upsert what comes back into a
/// store, merging updates of evicted windows into the stored aggregate. Counts what it saw so tests can say the
/// interesting paths were taken.
/// </summary>
internal sealed class StoredAggregates
{
    private readonly Dictionary<(string Patient, string Type, TumblingWindow Window), WindowAggregate> rows = [];

    private readonly HashSet<(string Patient, string Type, TumblingWindow Window)> reportedFinal = [];

    public int Merges { get; private set; }

    public int LateUpdates { get; private set; }

    public IReadOnlyList<WindowAggregate> All =>
    [
        .. rows.Values
            .OrderBy(a => a.PatientId, StringComparer.Ordinal)
            .ThenBy(a => a.Type.Name, StringComparer.Ordinal)
            .ThenBy(a => a.Size.Micros)
            .ThenBy(a => a.Start),
    ];

    public WindowAggregate? Find(string patient, VitalType type, WindowSize size, DateTimeOffset start) =>
        rows.GetValueOrDefault((patient, type.Name, new TumblingWindow(size, start)));

    public void Process(PatientWindows windows, Reading reading)
    {
        foreach (var update in windows.Add(reading))
        {
            var key = Key(update.Aggregate);
            LateUpdates += update.LateCorrection ? 1 : 0;
            if (update.MergeIntoStored)
            {
                Merges++;
                rows[key] = rows.TryGetValue(key, out var stored) ? stored.Merge(update.Aggregate) : update.Aggregate;
            }
            else
            {
                rows[key] = update.Aggregate;
            }
        }

        foreach (var closed in windows.Advance())
        {
            reportedFinal.Add(Key(closed)).ShouldBeTrue($"{closed.Type}/{closed.Window} reported final twice");
            rows[Key(closed)] = closed;
        }
    }

    private static (string, string, TumblingWindow) Key(WindowAggregate a) => (a.PatientId, a.Type.Name, a.Window);
}

using Vigil.Domain.Readings;

namespace Vigil.Domain.Windows;

/// <summary>
/// Count, min, max, mean and last of one patient's quantity readings of one vital type in one tumbling window.
/// Sum and count are kept rather than the mean so that adding a reading, or merging two aggregates, stays exact.
/// </summary>
/// <param name="Last">The value of the reading with the greatest event time; of equal times, the later arrival.</param>
/// <param name="LastAt">The event time of <paramref name="Last"/>.</param>
/// <param name="Final">True once the patient's watermark has reached <see cref="End"/>.</param>
public sealed record WindowAggregate(
    string PatientId,
    VitalType Type,
    TumblingWindow Window,
    long Count,
    double Sum,
    double Min,
    double Max,
    double Last,
    DateTimeOffset LastAt,
    bool Final)
{
    public WindowSize Size => Window.Size;

    public DateTimeOffset Start => Window.Start;

    public DateTimeOffset End => Window.End;

    public double Mean => Sum / Count;

    /// <summary>The aggregate of <paramref name="reading"/> alone, in its window of <paramref name="size"/>.</summary>
    public static WindowAggregate Of(Reading reading, WindowSize size, bool final = false)
    {
        var value = QuantityOf(reading);
        return new WindowAggregate(
            reading.PatientId,
            reading.Type,
            TumblingWindow.Containing(size, reading.ObservedAt),
            1,
            value,
            value,
            value,
            value,
            reading.ObservedAt,
            final);
    }

    /// <summary>This aggregate with <paramref name="reading"/> added; the reading must fall in the same window.</summary>
    public WindowAggregate Add(Reading reading) => Add(reading, Final);

    /// <summary>
    /// This aggregate with <paramref name="reading"/> added and flagged <paramref name="final"/>: as merging the
    /// reading's own aggregate (<see cref="Merge"/>), in one step, since the analyzer adds every reading to three windows.
    /// </summary>
    public WindowAggregate Add(Reading reading, bool final)
    {
        var value = QuantityOf(reading);
        if (reading.PatientId != PatientId || reading.Type.Name != Type.Name || !Window.Contains(reading.ObservedAt))
        {
            throw new ArgumentException($"cannot add reading {reading.Id} ({(reading.PatientId == PatientId ? "same" : "another")} patient, {reading.Type} at {reading.ObservedAt:O}) to {Describe()}", nameof(reading));
        }

        return Combined(1, value, value, value, value, reading.ObservedAt, final);
    }

    /// <summary>
    /// This aggregate with <paramref name="later"/> (readings of the same window that arrived after this one's)
    /// merged in. Order matters only for "last": on equal event times the later arrival's value wins.
    /// A caller holding a stored aggregate merges an update flagged <see cref="WindowUpdate.MergeIntoStored"/> this way.
    /// </summary>
    public WindowAggregate Merge(WindowAggregate later)
    {
        if (later.PatientId != PatientId || later.Type.Name != Type.Name || later.Window != Window)
        {
            throw new ArgumentException($"cannot merge {later.Describe()} into {Describe()}", nameof(later));
        }

        return Combined(later.Count, later.Sum, later.Min, later.Max, later.Last, later.LastAt, Final || later.Final);
    }

    /// <summary>This aggregate with the readings of a later arrival summed in; on equal event times the later "last" wins.</summary>
    private WindowAggregate Combined(long count, double sum, double min, double max, double last, DateTimeOffset lastAt, bool final)
    {
        var laterIsLast = lastAt >= LastAt;
        return this with
        {
            Count = Count + count,
            Sum = Sum + sum,
            Min = Math.Min(Min, min),
            Max = Math.Max(Max, max),
            Last = laterIsLast ? last : Last,
            LastAt = laterIsLast ? lastAt : LastAt,
            Final = final,
        };
    }

    // No patient id: the message can end up in a log (a dead-lettered message is logged with its exception).
    private string Describe() => $"{Type}/{Window}";

    private static double QuantityOf(Reading reading)
    {
        if (reading.Type.Kind != ValueKind.Quantity || reading.Value is not { } value)
        {
            throw new ArgumentException(
                $"reading {reading.Id} is not a quantity ({reading.Type} is {reading.Type.Kind}); only quantities are aggregated",
                nameof(reading));
        }

        return value;
    }
}

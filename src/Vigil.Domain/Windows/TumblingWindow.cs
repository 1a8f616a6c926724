namespace Vigil.Domain.Windows;

/// <summary>
/// One tumbling window, [<see cref="Start"/>, <see cref="End"/>) in UTC. Windows are aligned to the Unix epoch, so
/// every node, and every restart, puts a reading in the same window whatever the order it arrives in.
/// </summary>
public sealed record TumblingWindow(WindowSize Size, DateTimeOffset Start)
{
    public DateTimeOffset End => Start + Size.Length;

    /// <summary>The window of <paramref name="size"/> holding <paramref name="eventTime"/>: start = floor(time to size).</summary>
    public static TumblingWindow Containing(WindowSize size, DateTimeOffset eventTime)
    {
        var micros = EventTime.ToMicros(eventTime);

        // Floor, not truncation toward zero, so the rule holds on both sides of the epoch.
        var start = micros - (((micros % size.Micros) + size.Micros) % size.Micros);
        return new TumblingWindow(size, EventTime.FromMicros(start));
    }

    public bool Contains(DateTimeOffset eventTime) => eventTime >= Start && eventTime < End;

    public override string ToString() => $"{Size} [{Start:O}, {End:O})";
}

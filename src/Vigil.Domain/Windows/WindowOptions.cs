namespace Vigil.Domain.Windows;

/// <summary>
/// How long a window waits for late readings before it is final, and how long a final window stays in memory.
/// </summary>
/// <param name="AllowedLateness">The watermark trails the patient's latest event time by this much.</param>
/// <param name="Retention">
/// A final window stays in memory until the watermark is more than this past its end, so the late corrections that
/// do happen (a device flushing its buffer after a reconnect) rarely need a read of the stored aggregate.
/// </param>
public sealed record WindowOptions(TimeSpan AllowedLateness, TimeSpan Retention)
{
    public static WindowOptions Default { get; } = new(TimeSpan.FromMinutes(5), TimeSpan.FromHours(2));

    public TimeSpan AllowedLateness { get; } = AllowedLateness >= TimeSpan.Zero
        ? AllowedLateness
        : throw new ArgumentOutOfRangeException(nameof(AllowedLateness), AllowedLateness, "must not be negative");

    public TimeSpan Retention { get; } = Retention >= TimeSpan.Zero
        ? Retention
        : throw new ArgumentOutOfRangeException(nameof(Retention), Retention, "must not be negative");

    /// <summary>
    /// Windows ending before this are evicted once final. A restart must restore every stored window that ends at
    /// or after it (for the patient's latest event time), or a late reading would start that window afresh.
    /// </summary>
    public DateTimeOffset EvictionHorizon(DateTimeOffset latestEventTime) => latestEventTime - AllowedLateness - Retention;
}

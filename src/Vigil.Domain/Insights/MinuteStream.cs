namespace Vigil.Domain.Insights;

/// <summary>
/// One patient's readings of one vital as they arrive, folded into one-minute means (UTC-aligned) that feed the
/// <see cref="PersonalBaseline"/>. A minute is complete when a reading of a later minute arrives; a reading of a minute
/// before the open one is late and left to the window aggregates. Each completed minute is first measured against the
/// baseline as it stood, then absorbed into it.
/// </summary>
/// <param name="OpenMinute">Start of the minute being filled; null before the first reading.</param>
/// <param name="Count">Readings in the open minute so far.</param>
/// <param name="Sum">Their sum.</param>
public sealed record MinuteStream(string Type, DateTimeOffset? OpenMinute, long Count, double Sum, PersonalBaseline Baseline)
{
    /// <summary>One completed minute: its mean, and its deviation in spreads from the baseline before it was absorbed (null during the first minute).</summary>
    public sealed record CompletedMinute(DateTimeOffset Start, double Mean, long Count, double? Deviation, PersonalBaseline Before);

    /// <summary>A stream with no readings yet.</summary>
    public static MinuteStream Start(string type) => new(type, null, 0, 0, PersonalBaseline.Empty);

    /// <summary>This stream with a reading at <paramref name="at"/> added, and the minute it completed, if any.</summary>
    public (MinuteStream Next, CompletedMinute? Completed) Add(DateTimeOffset at, double value)
    {
        var minute = MinuteOf(at);
        if (OpenMinute is { } open && minute < open)
        {
            return (this, null);
        }

        if (OpenMinute == minute)
        {
            return (this with { Count = Count + 1, Sum = Sum + value }, null);
        }

        var fresh = this with { OpenMinute = minute, Count = 1, Sum = value };
        if (OpenMinute is not { } previous || Count == 0)
        {
            return (fresh, null);
        }

        var mean = Sum / Count;
        var completed = new CompletedMinute(previous, mean, Count, Baseline.Deviation(mean, Type), Baseline);
        return (fresh with { Baseline = Baseline.Absorb(mean, Type) }, completed);
    }

    /// <summary>The start of the UTC minute holding <paramref name="at"/>.</summary>
    public static DateTimeOffset MinuteOf(DateTimeOffset at)
    {
        var utc = at.ToUniversalTime();
        return new DateTimeOffset(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
    }
}

namespace Vigil.Domain.Simulation;

/// <summary>
/// When a deteriorating course starts to show and how long it takes to reach its worst: for sepsis, hypoxia and
/// bradycardia the change begins <see cref="Onset"/> after the course starts and grows linearly over
/// <see cref="Ramp"/>; a disconnect happens at <see cref="Onset"/>.
/// </summary>
public sealed record CourseTiming(TimeSpan Onset, TimeSpan Ramp)
{
    /// <summary>Ward-like pacing: a quarter of an hour of normality, then two hours of deterioration.</summary>
    public static CourseTiming Ward { get; } = new(TimeSpan.FromMinutes(15), TimeSpan.FromHours(2));

    /// <summary>Demonstration pacing, for a ward that should show its alerts within minutes of starting.</summary>
    public static CourseTiming Demo { get; } = new(TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(8));

    /// <summary>How far the course has gone at <paramref name="elapsed"/> since it started, from 0 (not yet) to 1 (worst).</summary>
    public double Severity(TimeSpan elapsed)
    {
        if (elapsed <= Onset)
        {
            return 0;
        }

        return Ramp <= TimeSpan.Zero ? 1 : Math.Min(1, (elapsed - Onset) / Ramp);
    }
}

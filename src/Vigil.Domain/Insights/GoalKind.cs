using Vigil.Domain.Readings;

namespace Vigil.Domain.Insights;

/// <summary>
/// What a health goal measures, from which vital, in which unit, and which direction counts as reaching it unless the
/// goal says otherwise. Weight has no default direction: losing and gaining are both goals.
/// </summary>
public sealed record GoalKind(string Name, VitalType Vital, string Unit, string? DefaultDirection, double MinTarget, double MaxTarget, string Measure)
{
    public const string AtLeast = "at_least";
    public const string AtMost = "at_most";

    /// <summary>Steps per day. A steps reading (LOINC 41950-7, "number of steps in 24 hours") is the day's running count, so a day's steps are its largest reading.</summary>
    public static readonly GoalKind StepsPerDay = new("steps_per_day", VitalTypes.Steps, "{steps}/d", AtLeast, 1, 100_000,
        "steps per UTC day (the day's largest steps reading), averaged over the period's days that have steps readings");

    /// <summary>Resting heart rate, taken as the lowest hourly mean heart rate of the period: the hour the patient rested most.</summary>
    public static readonly GoalKind RestingHeartRate = new("resting_heart_rate", VitalTypes.HeartRate, "/min", AtMost, 20, 200,
        "the lowest hourly mean heart rate in the period");

    /// <summary>Body weight: the latest weight reading in the period.</summary>
    public static readonly GoalKind Weight = new("weight", VitalTypes.Weight, "kg", null, 1, 700,
        "the latest weight reading in the period");

    public static IReadOnlyList<GoalKind> All { get; } = [StepsPerDay, RestingHeartRate, Weight];

    public static IReadOnlyList<string> Directions { get; } = [AtLeast, AtMost];

    public static bool TryGet(string? name, out GoalKind kind)
    {
        kind = All.FirstOrDefault(k => k.Name == name)!;
        return kind is not null;
    }
}

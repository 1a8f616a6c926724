using Vigil.Domain.Windows;

namespace Vigil.Domain.Insights;

/// <summary>
/// How far a goal is reached in its current period: the measured value (null without data), whether it meets the
/// target, and a percentage: value / target for at_least, target / value for at_most, capped at 100.
/// </summary>
public sealed record GoalProgress(
    DateTimeOffset From, DateTimeOffset To, double? Value, bool Met, double Percent, int DaysWithData, string Basis)
{
    /// <summary>Computes progress from the patient's hourly aggregates of the goal's vital that fall in the period.</summary>
    public static GoalProgress Compute(HealthGoal goal, IReadOnlyList<WindowAggregate> hourly, DateTimeOffset now)
    {
        if (!GoalKind.TryGet(goal.Kind, out var kind) || !GoalPeriod.TryGet(goal.Period, out var period))
        {
            throw new ArgumentException($"Unknown goal kind or period: {goal.Kind}/{goal.Period}", nameof(goal));
        }

        var (from, to) = period.Bounds(now);
        var windows = hourly.Where(w => w.Type == kind.Vital && w.Start >= from && w.Start < to && w.Count > 0).ToList();
        var days = windows.Select(w => w.Start.UtcDateTime.Date).Distinct().Count();
        double? value = windows.Count == 0 ? null : kind.Name switch
        {
            // A steps reading is the day's running count: the day's steps are its largest reading.
            "steps_per_day" => windows.GroupBy(w => w.Start.UtcDateTime.Date).Average(d => d.Max(w => w.Max)),
            "resting_heart_rate" => windows.Min(w => w.Mean),
            _ => windows.MaxBy(w => w.LastAt)!.Last,
        };
        var met = value is { } measured && (goal.Direction == GoalKind.AtLeast ? measured >= goal.Target : measured <= goal.Target);
        var percent = value switch
        {
            null => 0,
            _ when met => 100,
            { } v when goal.Direction == GoalKind.AtLeast => v <= 0 ? 0 : Math.Round(100 * v / goal.Target, 1),
            { } v => Math.Round(100 * goal.Target / v, 1),
        };
        return new GoalProgress(from, to, value is { } x ? Math.Round(x, 1) : null, met, percent, days, kind.Measure);
    }
}

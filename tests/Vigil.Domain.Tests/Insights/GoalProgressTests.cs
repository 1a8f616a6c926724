using Vigil.Domain.Insights;
using Vigil.Domain.Readings;
using Vigil.Domain.Windows;

namespace Vigil.Domain.Tests.Insights;

public class GoalProgressTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 14, 30, 0, TimeSpan.Zero);

    private static HealthGoal Goal(string kind, double target, string direction, string period = "day") =>
        new("g", "c", "p", kind, target, direction, period, null, Now, Now);

    private static WindowAggregate Hour(VitalType type, DateTimeOffset start, double min, double max, double mean, double last, long count = 2) =>
        new("p", type, new TumblingWindow(WindowSize.OneHour, start), count, mean * count, min, max, last, start.AddMinutes(30), true);

    [Fact]
    public void Steps_per_day_average_the_days_largest_running_counts_over_a_week()
    {
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var hourly = new[]
        {
            Hour(VitalTypes.Steps, day.AddDays(-1).AddHours(9), 1000, 4000, 2500, 4000),
            Hour(VitalTypes.Steps, day.AddDays(-1).AddHours(18), 6000, 9000, 7500, 9000),
            Hour(VitalTypes.Steps, day.AddHours(10), 500, 5000, 2000, 5000),
            Hour(VitalTypes.Steps, day.AddDays(-9), 0, 20000, 10000, 20000), // before the week
        };
        var p = GoalProgress.Compute(Goal("steps_per_day", 8000, "at_least", "week"), hourly, Now);
        p.Value.ShouldBe(7000, "(9000 + 5000) / 2 days with steps");
        p.DaysWithData.ShouldBe(2);
        p.Met.ShouldBeFalse();
        p.Percent.ShouldBe(87.5);
        (p.From, p.To).ShouldBe((day.AddDays(-6), day.AddDays(1)));
    }

    [Fact]
    public void Resting_heart_rate_is_the_lowest_hourly_mean_and_at_most_goals_are_met_below_the_target()
    {
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var hourly = new[] { Hour(VitalTypes.HeartRate, day.AddHours(3), 50, 70, 58, 60), Hour(VitalTypes.HeartRate, day.AddHours(12), 70, 110, 85, 90) };
        var met = GoalProgress.Compute(Goal("resting_heart_rate", 60, "at_most"), hourly, Now);
        (met.Value, met.Met, met.Percent).ShouldBe((58.0, true, 100.0));
        var missed = GoalProgress.Compute(Goal("resting_heart_rate", 50, "at_most"), hourly, Now);
        (missed.Met, missed.Percent).ShouldBe((false, 86.2));
    }

    [Fact]
    public void Weight_is_the_latest_and_no_data_is_no_value()
    {
        var day = new DateTimeOffset(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);
        var hourly = new[] { Hour(VitalTypes.Weight, day.AddHours(7), 80, 80, 80, 80), Hour(VitalTypes.Weight, day.AddHours(8), 79.4, 79.4, 79.4, 79.4) };
        GoalProgress.Compute(Goal("weight", 78, "at_most"), hourly, Now).Value.ShouldBe(79.4);
        var none = GoalProgress.Compute(Goal("weight", 78, "at_most"), [], Now);
        (none.Value, none.Met, none.Percent, none.DaysWithData).ShouldBe((null, false, 0.0, 0));
    }
}

using Vigil.Domain.Alerts;
using Vigil.Domain.Insights;

namespace Vigil.Domain.Tests.Insights;

public sealed class MinuteStreamTests
{
    private static readonly DateTimeOffset Ten = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);

    private static DateTimeOffset At(int minute, int second = 0) => Ten.AddMinutes(minute).AddSeconds(second);

    [Fact]
    public void Readings_of_one_minute_make_one_mean_completed_by_the_first_reading_of_a_later_minute()
    {
        var stream = MinuteStream.Start("heart_rate");
        (stream, var c1) = stream.Add(At(0, 5), 70);
        (stream, var c2) = stream.Add(At(0, 35), 74);
        c1.ShouldBeNull();
        c2.ShouldBeNull();

        (stream, var completed) = stream.Add(At(1, 2), 80);

        completed.ShouldNotBeNull();
        completed.Start.ShouldBe(At(0));
        completed.Mean.ShouldBe(72);
        completed.Count.ShouldBe(2);
        completed.Deviation.ShouldBeNull();
        stream.OpenMinute.ShouldBe(At(1));
        stream.Baseline.Level.ShouldBe(72);
    }

    [Fact]
    public void A_reading_of_a_minute_before_the_open_one_is_left_out()
    {
        var (stream, _) = MinuteStream.Start("heart_rate").Add(At(5), 70);
        var (after, completed) = stream.Add(At(3), 200);

        completed.ShouldBeNull();
        after.ShouldBe(stream);
    }

    [Fact]
    public void Minutes_without_readings_are_skipped()
    {
        var (stream, _) = MinuteStream.Start("heart_rate").Add(At(0), 70);
        (stream, var completed) = stream.Add(At(7, 30), 71);

        completed!.Start.ShouldBe(At(0));
        stream.OpenMinute.ShouldBe(At(7));
        stream.Baseline.Minutes.ShouldBe(1);
    }

    [Fact]
    public void A_completed_minute_is_measured_against_the_baseline_before_it_is_absorbed()
    {
        var stream = MinuteStream.Start("heart_rate");
        for (var m = 0; m < 61; m++)
        {
            (stream, _) = stream.Add(At(m), 70);
        }

        (stream, _) = stream.Add(At(61), 90);
        var (_, completed) = stream.Add(At(62), 70);

        completed!.Mean.ShouldBe(90);
        completed.Before.Level.ShouldBe(70);
        completed.Deviation.ShouldBe(10);
        new AnomalyRule("heart_rate", 4, 5, 60, AlertSeverity.Medium).IsBreachedBy(completed).ShouldBeTrue();
        new AnomalyRule("heart_rate", 12, 5, 60, AlertSeverity.Medium).IsBreachedBy(completed).ShouldBeFalse();
        new AnomalyRule("heart_rate", 4, 5, 120, AlertSeverity.Medium).IsBreachedBy(completed).ShouldBeFalse();
    }

    [Fact]
    public void Minute_starts_are_utc_aligned_whatever_the_offset_of_the_reading()
    {
        MinuteStream.MinuteOf(new DateTimeOffset(2026, 3, 1, 12, 30, 59, 999, TimeSpan.FromHours(2)))
            .ShouldBe(new DateTimeOffset(2026, 3, 1, 10, 30, 0, TimeSpan.Zero));
    }

    [Fact]
    public void An_anomaly_rule_needs_its_minutes_in_a_row_through_the_alert_condition()
    {
        var rule = new AnomalyRule("heart_rate", 4, 5, 60, AlertSeverity.Medium);
        rule.Sustain.ShouldBe(TimeSpan.FromMinutes(4));

        AlertCondition? state = null;
        var raisedAt = -1;
        for (var m = 0; m < 5; m++)
        {
            (state, var action) = AlertCondition.Observe(state, true, At(m), rule.Sustain, TimeSpan.FromMinutes(5));
            if (action == AlertCondition.Action.Raise)
            {
                raisedAt = m;
            }
        }

        raisedAt.ShouldBe(4);
    }
}

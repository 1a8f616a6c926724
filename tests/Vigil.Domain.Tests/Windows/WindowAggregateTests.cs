using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using static Vigil.Domain.Tests.Windows.Vitals;

namespace Vigil.Domain.Tests.Windows;

public sealed class WindowAggregateTests
{
    [Fact]
    public void An_aggregate_keeps_count_min_max_mean_and_last()
    {
        var aggregate = WindowAggregate.Of(Reading(At(10, 0, 10), 2), WindowSize.OneMinute)
            .Add(Reading(At(10, 0, 20), 1))
            .Add(Reading(At(10, 0, 30), 4));

        aggregate.Count.ShouldBe(3);
        aggregate.Min.ShouldBe(1);
        aggregate.Max.ShouldBe(4);
        aggregate.Sum.ShouldBe(7);
        aggregate.Mean.ShouldBe(7.0 / 3);
        aggregate.Last.ShouldBe(4);
        aggregate.LastAt.ShouldBe(At(10, 0, 30));
    }

    [Fact]
    public void Last_is_the_reading_with_the_greatest_event_time_not_the_last_to_arrive()
    {
        var aggregate = WindowAggregate.Of(Reading(At(10, 0, 50), 99), WindowSize.OneMinute)
            .Add(Reading(At(10, 0, 10), 60));

        aggregate.Last.ShouldBe(99);
        aggregate.LastAt.ShouldBe(At(10, 0, 50));
    }

    [Fact]
    public void Of_two_readings_at_the_same_event_time_the_later_arrival_is_last()
    {
        var aggregate = WindowAggregate.Of(Reading(At(10, 0, 30), 70), WindowSize.OneMinute)
            .Add(Reading(At(10, 0, 30), 75));

        aggregate.Last.ShouldBe(75);
    }

    [Fact]
    public void Merging_the_aggregate_of_later_readings_gives_the_aggregate_of_all_of_them()
    {
        var stored = WindowAggregate.Of(Reading(At(10, 0, 10), 5), WindowSize.FiveMinutes).Add(Reading(At(10, 3), 9));
        var later = WindowAggregate.Of(Reading(At(10, 3), 1), WindowSize.FiveMinutes, final: true);

        var merged = stored.Merge(later);

        merged.Count.ShouldBe(3);
        merged.Sum.ShouldBe(15);
        merged.Min.ShouldBe(1);
        merged.Max.ShouldBe(9);
        merged.Last.ShouldBe(1, "equal event times: the later arrival wins");
        merged.Final.ShouldBeTrue();
    }

    [Fact]
    public void Aggregates_of_different_windows_are_not_merged()
    {
        var ten = WindowAggregate.Of(Reading(At(10, 0), 5), WindowSize.OneMinute);
        var eleven = WindowAggregate.Of(Reading(At(11, 0), 5), WindowSize.OneMinute);
        var spo2 = WindowAggregate.Of(Reading(At(10, 0), 95, VitalTypes.Spo2), WindowSize.OneMinute);

        Should.Throw<ArgumentException>(() => ten.Merge(eleven));
        Should.Throw<ArgumentException>(() => ten.Merge(spo2));
    }

    [Fact]
    public void A_reading_that_is_not_a_quantity_is_not_aggregated() =>
        Should.Throw<ArgumentException>(() => WindowAggregate.Of(Consciousness(At(10, 0)), WindowSize.OneMinute));
}

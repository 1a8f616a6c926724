using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using static Vigil.Domain.Tests.Windows.Vitals;

namespace Vigil.Domain.Tests.Windows;

public sealed class PatientWindowsAggregationTests
{
    [Fact]
    public void A_quantity_reading_updates_its_window_of_each_size()
    {
        var windows = new PatientWindows("p1");

        var updates = windows.Add(Reading(At(10, 7, 42), 72));

        updates.Select(u => (u.Aggregate.Size, u.Aggregate.Start)).ShouldBe(
        [
            (WindowSize.OneMinute, At(10, 7)),
            (WindowSize.FiveMinutes, At(10, 5)),
            (WindowSize.OneHour, At(10, 0)),
        ]);
        updates.ShouldAllBe(u => u.Aggregate.Count == 1 && u.Aggregate.Last == 72 && u.Aggregate.Type == VitalTypes.HeartRate);
        updates.ShouldAllBe(u => !u.Aggregate.Final && !u.LateCorrection && !u.MergeIntoStored);
    }

    [Fact]
    public void Each_vital_type_has_its_own_windows()
    {
        var windows = new PatientWindows("p1");

        windows.Add(Reading(At(10, 0, 10), 72));
        var spo2 = windows.Add(Reading(At(10, 0, 20), 97, VitalTypes.Spo2));

        spo2.ShouldAllBe(u => u.Aggregate.Count == 1 && u.Aggregate.Type == VitalTypes.Spo2);
        windows.Windows.Count.ShouldBe(6);
    }

    [Fact]
    public void Count_min_max_mean_and_last_are_the_same_for_in_order_and_shuffled_input()
    {
        var random = new Random(7);
        var readings = Enumerable.Range(0, 300)
            .Select(i => Reading(At(9, 0).AddSeconds(i * 37), random.Next(40, 180), i % 3 == 0 ? VitalTypes.Spo2 : VitalTypes.HeartRate))
            .ToList();
        var shuffled = readings.ToArray();
        random.Shuffle(shuffled);

        var inOrder = Run(readings);
        var outOfOrder = Run(shuffled);

        outOfOrder.Count.ShouldBeGreaterThan(200);
        outOfOrder.ShouldBe(inOrder);
    }

    [Fact]
    public void Last_follows_event_time_not_arrival_order()
    {
        var windows = new PatientWindows("p1");

        windows.Add(Reading(At(10, 0, 50), 90));
        var updates = windows.Add(Reading(At(10, 0, 5), 60));

        updates.ShouldAllBe(u => u.Aggregate.Last == 90 && u.Aggregate.LastAt == At(10, 0, 50) && u.Aggregate.Count == 2);
    }

    [Fact]
    public void Of_readings_at_the_same_event_time_the_later_arrival_is_last()
    {
        var windows = new PatientWindows("p1");

        windows.Add(Reading(At(10, 0, 30), 90));
        var updates = windows.Add(Reading(At(10, 0, 30), 91));

        updates.ShouldAllBe(u => u.Aggregate.Last == 91);
    }

    [Fact]
    public void A_reading_that_is_not_a_quantity_updates_no_window_but_moves_the_watermark()
    {
        var windows = new PatientWindows("p1");

        windows.Add(Consciousness(At(10, 0))).ShouldBeEmpty();

        windows.Windows.ShouldBeEmpty();
        windows.Watermark.LatestEventTime.ShouldBe(At(10, 0));
    }

    [Fact]
    public void A_reading_of_another_patient_is_refused() =>
        Should.Throw<ArgumentException>(() => new PatientWindows("p1").Add(Reading(At(10, 0), 70, patient: "p2")));

    private static IReadOnlyList<WindowAggregate> Run(IEnumerable<Reading> readings)
    {
        var windows = new PatientWindows("p1");
        var store = new StoredAggregates();
        foreach (var reading in readings)
        {
            store.Process(windows, reading);
        }

        return store.All;
    }
}

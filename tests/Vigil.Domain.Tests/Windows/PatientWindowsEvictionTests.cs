using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using static Vigil.Domain.Tests.Windows.Vitals;

namespace Vigil.Domain.Tests.Windows;

public sealed class PatientWindowsEvictionTests
{
    [Fact]
    public void A_final_window_ending_more_than_retention_before_the_watermark_leaves_memory()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 0, 30), 80));

        // Latest 12:10: watermark 12:05, horizon 10:05. The minute window (ends 10:01) goes; the 5 minute window
        // (ends 10:05, not before the horizon) and the hour stay.
        windows.Add(Reading(At(12, 10), 70));
        windows.Advance();

        windows.Windows.Where(a => a.Start == At(10, 0)).Select(a => a.Size).ShouldBe(
            [WindowSize.FiveMinutes, WindowSize.OneHour], ignoreOrder: true);
    }

    [Fact]
    public void A_window_that_is_not_final_stays_in_memory_however_old()
    {
        var windows = new PatientWindows("p1", new WindowOptions(TimeSpan.FromHours(3), TimeSpan.Zero));
        windows.Add(Reading(At(10, 0, 30), 80));

        windows.Add(Reading(At(12, 10), 70));
        windows.Advance();

        windows.Windows.Count(a => a.Start == At(10, 0)).ShouldBe(3);
    }

    [Fact]
    public void A_late_reading_for_an_evicted_window_asks_the_caller_to_merge_it_into_the_stored_aggregate()
    {
        var windows = new PatientWindows("p1");
        var store = new StoredAggregates();
        store.Process(windows, Reading(At(10, 0, 30), 80));
        store.Process(windows, Reading(At(12, 10), 70));

        var updates = windows.Add(Reading(At(10, 0, 40), 90));

        updates[0].MergeIntoStored.ShouldBeTrue();
        updates[0].LateCorrection.ShouldBeTrue();
        updates[0].Aggregate.Count.ShouldBe(1, "the update holds the late reading alone");
        updates.Skip(1).ShouldAllBe(u => !u.MergeIntoStored && u.Aggregate.Count == 2);

        var merged = store.Find("p1", VitalTypes.HeartRate, WindowSize.OneMinute, At(10, 0))!.Merge(updates[0].Aggregate);
        merged.Count.ShouldBe(2);
        merged.Min.ShouldBe(80);
        merged.Max.ShouldBe(90);
        merged.Last.ShouldBe(90);
        merged.Final.ShouldBeTrue();
        windows.LateCorrections.ShouldBe(1);
    }

    [Fact]
    public void Memory_holds_a_bounded_number_of_windows_on_a_long_stream()
    {
        var windows = new PatientWindows("p1");
        for (var i = 0; i < 24 * 60; i++)
        {
            windows.Add(Reading(At(0, 0).AddMinutes(i), 70));
            windows.Advance();
        }

        // 2 h of retention plus 5 min of lateness: about 126 minute, 26 five-minute and 3 hour windows.
        windows.Windows.Count.ShouldBeLessThan(160);
    }
}

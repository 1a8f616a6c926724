using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using static Vigil.Domain.Tests.Windows.Vitals;

namespace Vigil.Domain.Tests.Windows;

public sealed class PatientWindowsRestoreTests
{
    [Fact]
    public void Restoring_from_stored_aggregates_continues_as_if_there_had_been_no_restart()
    {
        var readings = RandomStream.Readings(seed: 11, count: 400);
        var uninterrupted = new StoredAggregates();
        var once = new PatientWindows("p1");
        foreach (var reading in readings)
        {
            uninterrupted.Process(once, reading);
        }

        var store = new StoredAggregates();
        var before = new PatientWindows("p1");
        foreach (var reading in readings.Take(200))
        {
            store.Process(before, reading);
        }

        // What a restart loads: the windows at or after the eviction horizon of the patient's latest event time,
        // which the processor keeps with the patient's state (a consciousness reading may be the latest).
        var latest = before.Watermark.LatestEventTime!.Value;
        var horizon = WindowOptions.Default.EvictionHorizon(latest);
        var after = PatientWindows.Restore(
            "p1", store.All.Where(a => a.End >= horizon), latest, before.LateCorrections);
        after.Watermark.ShouldBe(before.Watermark);
        foreach (var reading in readings.Skip(200))
        {
            store.Process(after, reading);
        }

        store.All.ShouldBe(uninterrupted.All);
        after.LateCorrections.ShouldBe(once.LateCorrections);
        store.Merges.ShouldBeGreaterThan(0, "the stream has readings later than the retention");
    }

    [Fact]
    public void The_watermark_is_restored_from_the_latest_reading_in_the_aggregates()
    {
        var original = new PatientWindows("p1");
        var stored = original.Add(Reading(At(10, 0, 30), 80)).Select(u => u.Aggregate)
            .Concat(original.Add(Reading(At(10, 3), 90, VitalTypes.Spo2)).Select(u => u.Aggregate).Skip(1))
            .ToList();

        var restored = PatientWindows.Restore("p1", stored);

        restored.Watermark.LatestEventTime.ShouldBe(At(10, 3));
        restored.Windows.Count.ShouldBe(5);
    }

    [Fact]
    public void A_later_event_time_given_on_restore_moves_the_watermark_past_the_aggregates()
    {
        var stored = new PatientWindows("p1").Add(Reading(At(10, 0, 30), 80)).Select(u => u.Aggregate);

        var restored = PatientWindows.Restore("p1", stored, latestEventTime: At(10, 6));

        restored.Watermark.Value.ShouldBe(At(10, 1));
        restored.Advance().ShouldHaveSingleItem().Size.ShouldBe(WindowSize.OneMinute);
    }

    [Fact]
    public void A_restored_window_that_is_not_final_turns_final_when_the_watermark_passes_it()
    {
        var stored = new PatientWindows("p1").Add(Reading(At(10, 0, 30), 80)).Select(u => u.Aggregate);
        var restored = PatientWindows.Restore("p1", stored);
        restored.Advance().ShouldBeEmpty();

        restored.Add(Reading(At(10, 6), 97, VitalTypes.Spo2));

        var closed = restored.Advance().ShouldHaveSingleItem();
        closed.Type.ShouldBe(VitalTypes.HeartRate);
        closed.Count.ShouldBe(1);
        closed.Final.ShouldBeTrue();
    }

    [Fact]
    public void A_late_reading_after_a_restore_corrects_the_restored_final_window()
    {
        var original = new PatientWindows("p1");
        original.Add(Reading(At(10, 0, 30), 80));
        original.Add(Reading(At(10, 6), 70));
        original.Advance();
        var stored = original.Windows.ToList();

        var restored = PatientWindows.Restore("p1", stored, lateCorrections: 4);
        var minute = restored.Add(Reading(At(10, 0, 50), 100))[0];

        minute.LateCorrection.ShouldBeTrue();
        minute.MergeIntoStored.ShouldBeFalse();
        minute.Aggregate.Count.ShouldBe(2);
        minute.Aggregate.Last.ShouldBe(100);
        restored.LateCorrections.ShouldBe(5);
    }

    [Fact]
    public void Aggregates_of_another_patient_or_the_same_window_twice_are_refused()
    {
        var stored = new PatientWindows("p1").Add(Reading(At(10, 0, 30), 80)).Select(u => u.Aggregate).ToList();

        Should.Throw<ArgumentException>(() => PatientWindows.Restore("p2", stored));
        Should.Throw<ArgumentException>(() => PatientWindows.Restore("p1", stored.Concat(stored)));
    }
}

using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using static Vigil.Domain.Tests.Windows.Vitals;

namespace Vigil.Domain.Tests.Windows;

public sealed class PatientWindowsFinalityTests
{
    [Fact]
    public void The_watermark_is_the_latest_event_time_seen_minus_5_minutes_by_default()
    {
        var windows = new PatientWindows("p1");
        windows.Watermark.Value.ShouldBeNull();

        windows.Add(Reading(At(10, 20), 70));
        windows.Add(Reading(At(10, 10), 70));

        windows.Watermark.Value.ShouldBe(At(10, 15));
        WindowOptions.Default.AllowedLateness.ShouldBe(TimeSpan.FromMinutes(5));
    }

    [Fact]
    public void A_window_is_not_final_while_the_watermark_is_short_of_its_end()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 0, 30), 70));

        windows.Add(Reading(At(10, 5, 59, 999_999), 70));

        windows.Advance().ShouldBeEmpty();
    }

    [Fact]
    public void A_window_turns_final_exactly_when_the_watermark_reaches_its_end()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 0, 30), 70));
        windows.Add(Reading(At(10, 5, 59, 999_999), 70));
        windows.Advance().ShouldBeEmpty();

        windows.Add(Reading(At(10, 6), 70));
        var closed = windows.Advance();

        closed.Count.ShouldBe(1);
        closed[0].Window.ShouldBe(new TumblingWindow(WindowSize.OneMinute, At(10, 0)));
        closed[0].Final.ShouldBeTrue();
        closed[0].Count.ShouldBe(1);
    }

    [Fact]
    public void Advance_reports_a_window_once()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 0, 30), 70));
        windows.Add(Reading(At(10, 6), 70));
        windows.Advance().Count.ShouldBe(1);

        windows.Add(Reading(At(10, 6, 10), 70));

        windows.Advance().ShouldBeEmpty();
    }

    [Fact]
    public void Every_window_the_watermark_passes_is_reported_ordered_by_end()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 0, 30), 70));
        windows.Add(Reading(At(10, 2, 30), 70));

        windows.Add(Reading(At(11, 5), 70));
        var closed = windows.Advance();

        closed.Select(a => (a.Size, a.Start)).ShouldBe(
        [
            (WindowSize.OneMinute, At(10, 0)),
            (WindowSize.OneMinute, At(10, 2)),
            (WindowSize.FiveMinutes, At(10, 0)),
            (WindowSize.OneHour, At(10, 0)),
        ]);
    }

    [Fact]
    public void A_reading_of_another_vital_type_makes_a_window_final()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 0, 30), 70));

        windows.Add(Reading(At(10, 6), 97, VitalTypes.Spo2));
        var closed = windows.Advance();

        closed.ShouldHaveSingleItem().Type.ShouldBe(VitalTypes.HeartRate);
        closed[0].Start.ShouldBe(At(10, 0));
    }

    [Fact]
    public void A_reading_that_is_not_a_quantity_makes_a_window_final()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 0, 30), 70));

        windows.Add(Consciousness(At(10, 6)));

        windows.Advance().ShouldHaveSingleItem().Start.ShouldBe(At(10, 0));
    }

    [Fact]
    public void Patients_have_their_own_watermarks()
    {
        var alice = new PatientWindows("alice");
        var bob = new PatientWindows("bob");
        alice.Add(Reading(At(10, 0, 30), 70, patient: "alice"));
        bob.Add(Reading(At(10, 0, 30), 70, patient: "bob"));

        alice.Add(Reading(At(12, 0), 70, patient: "alice"));

        alice.Advance().Count.ShouldBe(3);
        bob.Advance().ShouldBeEmpty();
        bob.Watermark.Value.ShouldBe(At(9, 55, 30));
    }

    [Fact]
    public void A_reading_in_a_final_window_updates_it_and_is_counted_as_a_late_correction()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 0, 30), 80));
        windows.Add(Reading(At(10, 6), 70));
        windows.Advance();

        var updates = windows.Add(Reading(At(10, 0, 45), 120));

        var minute = updates[0];
        minute.LateCorrection.ShouldBeTrue();
        minute.Aggregate.Final.ShouldBeTrue();
        minute.Aggregate.Count.ShouldBe(2);
        minute.Aggregate.Max.ShouldBe(120);
        minute.Aggregate.Mean.ShouldBe(100);
        minute.Aggregate.Last.ShouldBe(120);
        updates.Skip(1).ShouldAllBe(u => !u.LateCorrection && !u.Aggregate.Final, "the 5 minute and hour windows are still open");
        windows.LateCorrections.ShouldBe(1);
        windows.Advance().ShouldBeEmpty();
    }

    [Fact]
    public void A_late_reading_is_counted_once_however_many_of_its_windows_were_final()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 0, 30), 80));
        windows.Add(Reading(At(12, 0), 70));
        windows.Advance();

        var updates = windows.Add(Reading(At(10, 0, 40), 81));

        updates.ShouldAllBe(u => u.LateCorrection);
        windows.LateCorrections.ShouldBe(1);
    }

    [Fact]
    public void A_late_reading_in_a_window_that_had_none_starts_it_final()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 10), 80));
        windows.Advance();

        var minute = windows.Add(Reading(At(10, 1, 30), 75))[0];

        minute.Aggregate.Start.ShouldBe(At(10, 1));
        minute.Aggregate.Count.ShouldBe(1);
        minute.Aggregate.Final.ShouldBeTrue();
        minute.LateCorrection.ShouldBeTrue();
        windows.LateCorrections.ShouldBe(1);
        windows.Advance().ShouldBeEmpty();
    }

    [Fact]
    public void A_reading_within_the_allowed_lateness_is_not_a_late_correction()
    {
        var windows = new PatientWindows("p1");
        windows.Add(Reading(At(10, 5, 59), 80));

        var updates = windows.Add(Reading(At(10, 0, 59), 70));

        updates.ShouldAllBe(u => !u.LateCorrection && !u.Aggregate.Final);
        windows.LateCorrections.ShouldBe(0);
    }

    [Fact]
    public void With_no_allowed_lateness_a_window_is_final_as_soon_as_a_reading_reaches_its_end()
    {
        var windows = new PatientWindows("p1", new WindowOptions(TimeSpan.Zero, TimeSpan.FromHours(2)));
        windows.Add(Reading(At(10, 0, 30), 70));
        windows.Add(Reading(At(10, 0, 59, 999_999), 70));
        windows.Advance().ShouldBeEmpty();

        windows.Add(Reading(At(10, 1), 70));

        windows.Advance().ShouldHaveSingleItem().Start.ShouldBe(At(10, 0));
        windows.Add(Reading(At(10, 0, 40), 70))[0].LateCorrection.ShouldBeTrue();
    }

    [Fact]
    public void With_10_minutes_allowed_lateness_a_window_waits_10_minutes_past_its_end()
    {
        var windows = new PatientWindows("p1", new WindowOptions(TimeSpan.FromMinutes(10), TimeSpan.FromHours(2)));
        windows.Add(Reading(At(10, 0, 30), 70));
        windows.Add(Reading(At(10, 10, 59), 70));
        windows.Advance().ShouldBeEmpty();
        windows.Add(Reading(At(10, 0, 40), 70))[0].LateCorrection.ShouldBeFalse();

        windows.Add(Reading(At(10, 11), 70));

        windows.Advance().ShouldHaveSingleItem().Count.ShouldBe(2);
        windows.Add(Reading(At(10, 0, 50), 70))[0].LateCorrection.ShouldBeTrue();
    }

    [Fact]
    public void Negative_lateness_or_retention_is_refused()
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new WindowOptions(TimeSpan.FromMinutes(-1), TimeSpan.Zero));
        Should.Throw<ArgumentOutOfRangeException>(() => new WindowOptions(TimeSpan.Zero, TimeSpan.FromMinutes(-1)));
    }
}

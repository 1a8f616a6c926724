using Vigil.Domain.Windows;
using static Vigil.Domain.Tests.Windows.Vitals;

namespace Vigil.Domain.Tests.Windows;

public sealed class TumblingWindowTests
{
    public static TheoryData<string, int, int, int, int, int, int> Alignments => new()
    {
        // size, reading h:m:s, expected start h:m, expected end h:m
        { "1m", 10, 7, 42, 10, 7, 8 },
        { "5m", 10, 7, 42, 10, 5, 10 },
        { "1h", 10, 7, 42, 10, 0, 60 },
        { "1m", 23, 59, 59, 23, 59, 60 },
        { "5m", 23, 59, 59, 23, 55, 60 },
        { "1h", 23, 59, 59, 23, 0, 60 },
    };

    [Theory]
    [MemberData(nameof(Alignments))]
    public void A_window_starts_at_the_event_time_floored_to_its_size_in_utc(
        string size, int hour, int minute, int second, int startHour, int startMinute, int endMinute)
    {
        WindowSize.TryGetByName(size, out var windowSize).ShouldBeTrue();

        var window = TumblingWindow.Containing(windowSize, At(hour, minute, second));

        window.Start.ShouldBe(At(startHour, startMinute));
        window.End.ShouldBe(At(startHour, endMinute));
        window.Start.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Theory]
    [InlineData("1m")]
    [InlineData("5m")]
    [InlineData("1h")]
    public void A_reading_exactly_on_a_boundary_belongs_to_the_window_that_starts_there(string size)
    {
        WindowSize.TryGetByName(size, out var windowSize).ShouldBeTrue();
        var boundary = At(10, 0);

        var window = TumblingWindow.Containing(windowSize, boundary);

        window.Start.ShouldBe(boundary);
        window.Contains(boundary).ShouldBeTrue();
    }

    [Theory]
    [InlineData("1m")]
    [InlineData("5m")]
    [InlineData("1h")]
    public void A_reading_a_microsecond_before_a_boundary_belongs_to_the_window_that_ends_there(string size)
    {
        WindowSize.TryGetByName(size, out var windowSize).ShouldBeTrue();
        var justBefore = At(10, 0).AddTicks(-TimeSpan.TicksPerMicrosecond);

        var window = TumblingWindow.Containing(windowSize, justBefore);

        window.End.ShouldBe(At(10, 0));
        window.Contains(justBefore).ShouldBeTrue();
        window.Contains(At(10, 0)).ShouldBeFalse();
    }

    [Fact]
    public void Windows_are_aligned_to_the_unix_epoch_not_to_the_offset_the_time_was_given_in()
    {
        // 15:37 at +05:30 is 10:07 UTC: the hour window is 10:00-11:00 UTC, not 15:00-16:00 local.
        var india = new DateTimeOffset(2026, 11, 21, 15, 37, 0, TimeSpan.FromMinutes(330));

        var window = TumblingWindow.Containing(WindowSize.OneHour, india);

        window.Start.ShouldBe(At(10, 0));
        window.Start.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void The_first_window_starts_at_the_epoch() =>
        TumblingWindow.Containing(WindowSize.FiveMinutes, DateTimeOffset.UnixEpoch.AddSeconds(299)).Start
            .ShouldBe(DateTimeOffset.UnixEpoch);

    [Fact]
    public void The_sizes_are_1_minute_5_minutes_and_1_hour() =>
        WindowSize.All.Select(s => (s.Name, s.Length)).ShouldBe(
        [
            ("1m", TimeSpan.FromMinutes(1)),
            ("5m", TimeSpan.FromMinutes(5)),
            ("1h", TimeSpan.FromHours(1)),
        ]);

    [Fact]
    public void An_unknown_size_name_is_not_found() => WindowSize.TryGetByName("15m", out _).ShouldBeFalse();
}

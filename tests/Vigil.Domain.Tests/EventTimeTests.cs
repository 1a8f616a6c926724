namespace Vigil.Domain.Tests;

public sealed class EventTimeTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private const string NeedsOffset = "must be an ISO 8601 date-time with an offset, e.g. 2026-11-21T10:00:00Z";

    private static (string? Error, DateTimeOffset Value) Parse(string? text, DateTimeOffset? now = null)
    {
        var error = EventTime.TryParse(text, now ?? Now, out var value);
        return (error, value);
    }

    [Fact]
    public void A_utc_time_with_Z_is_accepted()
    {
        var (error, value) = Parse("2026-11-21T09:30:00Z");

        error.ShouldBeNull();
        value.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.Zero));
        value.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Theory]
    [InlineData("2026-11-21T11:30:00+02:00")]
    [InlineData("2026-11-21T11:30:00+0200")]
    [InlineData("2026-11-21T04:30:00-05:00")]
    [InlineData("2026-11-21T04:30:00-0500")]
    [InlineData("2026-11-21T09:30:00+00:00")]
    [InlineData("2026-11-21T09:30:00z")]
    [InlineData("2026-11-21T15:00:00+05:30")]
    [InlineData("2026-11-21T23:30:00+14:00")]
    [InlineData("2026-11-20T21:30:00-12:00")]
    public void An_offset_is_converted_to_utc(string text)
    {
        var (error, value) = Parse(text);

        error.ShouldBeNull();
        value.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.Zero));
        value.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void An_offset_that_crosses_midnight_changes_the_utc_date()
    {
        var (error, value) = Parse("2026-11-21T01:00:00+03:00");

        error.ShouldBeNull();
        value.UtcDateTime.ShouldBe(new DateTime(2026, 11, 20, 22, 0, 0, DateTimeKind.Utc));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t")]
    public void A_missing_time_is_required(string? text) => Parse(text).Error.ShouldBe("is required");

    [Theory]
    [InlineData("2026-11-21T10:00:00")]
    [InlineData("2026-11-21T09:00:00.123")]
    [InlineData("2026-11-21")]
    public void A_time_without_an_offset_is_rejected(string text) => Parse(text).Error.ShouldBe(NeedsOffset);

    [Theory]
    [InlineData("yesterday")]
    [InlineData("not a date")]
    [InlineData("2026-13-01T10:00:00Z")]
    [InlineData("2026-11-31T10:00:00Z")]
    [InlineData("2026-11-21T25:00:00Z")]
    [InlineData("2026-11-21T10:00:00+25:00")]
    [InlineData("1732183200")]
    [InlineData("Z")]
    [InlineData("T+")]
    public void Garbage_is_rejected(string text) => Parse(text).Error.ShouldBe(NeedsOffset);

    [Theory]
    [InlineData("09:00:00+01:00")]
    [InlineData("T09:00:00Z")]
    public void A_time_of_day_without_a_date_or_a_T_is_rejected(string text) => Parse(text).Error.ShouldBe(NeedsOffset);

    // DateTimeOffset.TryParse fills a missing date with the machine's current date (not the 'now' passed in), and
    // HasExplicitOffset only looks for a trailing "Z", so "10:00:00Z" passes as today's date by the server clock.
    [Fact]
    public void A_time_of_day_with_Z_but_without_a_date_is_rejected() =>
        Parse("10:00:00Z", new DateTimeOffset(2031, 1, 1, 0, 0, 0, TimeSpan.Zero)).Error.ShouldBe(NeedsOffset);

    [Theory]
    [InlineData("2026-11-21T09:00Z")]
    [InlineData("2026-11-21 09:00:00Z")]
    public void Reduced_precision_and_a_space_separator_are_accepted(string text) =>
        Parse(text).Value.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));

    // DateTimeOffset.TryParse is a general parser: with InvariantCulture it takes US month/day order, month names
    // and RFC 1123, and HasExplicitOffset only checks for a trailing "Z" or a sign after the first 'T' or 't'.
    [Theory]
    [InlineData("11/21/2026 09:00:00Z")]
    [InlineData("21 Nov 2026 09:00:00Z")]
    [InlineData("Sat, 21 Nov 2026 09:00:00 +01:00")]
    [InlineData("2026/11/21T09:00:00Z")]
    public void A_non_iso_8601_format_is_rejected(string text) => Parse(text).Error.ShouldBe(NeedsOffset);

    [Fact]
    public void A_time_4_minutes_ahead_of_now_is_accepted() =>
        Parse("2026-11-21T10:04:00Z").Error.ShouldBeNull();

    [Fact]
    public void A_time_exactly_5_minutes_ahead_of_now_is_accepted() =>
        Parse("2026-11-21T10:05:00Z").Error.ShouldBeNull();

    [Fact]
    public void A_time_a_microsecond_more_than_5_minutes_ahead_is_rejected() =>
        Parse("2026-11-21T10:05:00.000001Z").Error.ShouldBe("must not be more than 5 minutes in the future");

    [Fact]
    public void A_time_6_minutes_ahead_of_now_is_rejected() =>
        Parse("2026-11-21T10:06:00Z").Error.ShouldBe("must not be more than 5 minutes in the future");

    [Fact]
    public void The_future_limit_compares_instants_not_wall_clock_readings()
    {
        // 11:04 at +01:00 is 10:04 UTC: fine. 10:06 at +00:00 would not be, nor 06:06 at -04:00.
        Parse("2026-11-21T11:04:00+01:00").Error.ShouldBeNull();
        Parse("2026-11-21T06:06:00-04:00").Error.ShouldBe("must not be more than 5 minutes in the future");
    }

    [Fact]
    public void The_future_limit_follows_the_now_passed_in()
    {
        var later = Now.AddDays(1);

        Parse("2026-11-22T10:04:00Z", later).Error.ShouldBeNull();
        Parse("2026-11-22T10:04:00Z").Error.ShouldBe("must not be more than 5 minutes in the future");
    }

    [Fact]
    public void A_now_with_an_offset_is_compared_as_an_instant()
    {
        var nowInParis = new DateTimeOffset(2026, 11, 21, 11, 0, 0, TimeSpan.FromHours(1));

        Parse("2026-11-21T10:04:00Z", nowInParis).Error.ShouldBeNull();
        Parse("2026-11-21T10:06:00Z", nowInParis).Error.ShouldBe("must not be more than 5 minutes in the future");
    }

    [Fact]
    public void A_time_long_in_the_past_is_accepted() => Parse("1999-12-31T23:59:59Z").Error.ShouldBeNull();

    [Fact]
    public void The_unix_epoch_is_accepted() =>
        Parse("1970-01-01T00:00:00Z").Value.ShouldBe(DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_time_before_1970_is_rejected() =>
        Parse("1969-12-31T23:59:59Z").Error.ShouldBe("must not be before 1970-01-01");

    [Fact]
    public void A_time_before_1970_in_utc_is_rejected_even_when_its_local_date_is_1970() =>
        Parse("1970-01-01T00:30:00+01:00").Error.ShouldBe("must not be before 1970-01-01");

    [Fact]
    public void Sub_microsecond_digits_are_truncated_not_rounded()
    {
        var (error, value) = Parse("2026-11-21T09:00:00.1234569Z");

        error.ShouldBeNull();
        value.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero).AddTicks(1_234_560));
    }

    [Fact]
    public void Microseconds_are_kept()
    {
        var (_, value) = Parse("2026-11-21T09:00:00.000001Z");

        EventTime.ToMicros(value).ShouldBe(EventTime.ToMicros(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero)) + 1);
    }

    [Fact]
    public void On_failure_the_value_is_default()
    {
        EventTime.TryParse("garbage", Now, out var value);

        value.ShouldBe(default);
    }

    [Fact]
    public void The_unix_epoch_is_0_microseconds() => EventTime.ToMicros(DateTimeOffset.UnixEpoch).ShouldBe(0);

    [Fact]
    public void One_second_after_the_epoch_is_a_million_microseconds() =>
        EventTime.ToMicros(DateTimeOffset.UnixEpoch.AddSeconds(1)).ShouldBe(1_000_000);

    [Fact]
    public void Microseconds_do_not_depend_on_the_offset()
    {
        var utc = new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero);

        EventTime.ToMicros(utc.ToOffset(TimeSpan.FromHours(-7))).ShouldBe(EventTime.ToMicros(utc));
    }

    [Fact]
    public void From_micros_gives_a_utc_time()
    {
        var t = EventTime.FromMicros(1_000_000);

        t.ShouldBe(DateTimeOffset.UnixEpoch.AddSeconds(1));
        t.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void Micros_round_trip()
    {
        var t = new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero).AddTicks(1_234_560);

        EventTime.FromMicros(EventTime.ToMicros(t)).ShouldBe(t);
    }

    [Fact]
    public void Truncate_drops_the_last_tick_digit_and_converts_to_utc()
    {
        var t = new DateTimeOffset(2026, 11, 21, 10, 0, 0, TimeSpan.FromHours(1)).AddTicks(9);

        var truncated = EventTime.Truncate(t);

        truncated.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
        truncated.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void The_allowed_clock_skew_is_5_minutes() => EventTime.MaxClockSkew.ShouldBe(TimeSpan.FromMinutes(5));
}

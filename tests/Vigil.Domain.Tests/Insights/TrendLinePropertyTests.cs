using FsCheck;
using FsCheck.Fluent;
using Vigil.Domain.Insights;

namespace Vigil.Domain.Tests.Insights;

/// <summary>Properties of the trend fit over generated series of window means.</summary>
public sealed class TrendLinePropertyTests
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(300).WithQuietOnSuccess(true);

    /// <summary>3 to 40 points, minutes 0..1440 apart, values 20..200, weights 1..60, at least two distinct times.</summary>
    private static Gen<TrendPoint[]> Series() =>
        Gen.Choose(3, 40).SelectMany(n => Gen.ArrayOf(
                from minute in Gen.Choose(0, 1440)
                from centis in Gen.Choose(2000, 20000)
                from weight in Gen.Choose(1, 60)
                select new TrendPoint(Origin.AddMinutes(minute), centis / 100.0, weight), n))
            .Where(points => points.Select(p => p.Time).Distinct().Count() >= 2);

    [Fact]
    public void The_slope_lies_inside_its_interval_and_r_squared_between_zero_and_one()
    {
        Check.One(Runs, Prop.ForAll(Series().ToArbitrary(), points =>
        {
            var trend = TrendLine.Fit(points)!;
            return trend.SlopeLow <= trend.SlopePerHour && trend.SlopePerHour <= trend.SlopeHigh
                && trend.RSquared is >= 0 and <= 1 && trend.Points == points.Length;
        }));
    }

    [Fact]
    public void Points_exactly_on_a_line_give_that_line_with_no_uncertainty()
    {
        var lines = from points in Series()
                    from slopeCentis in Gen.Choose(-500, 500)
                    from intercept in Gen.Choose(0, 200)
                    select (points, slopeCentis, intercept);
        Check.One(Runs, Prop.ForAll(lines.ToArbitrary(), line =>
        {
            var (points, slopeCentis, intercept) = line;
            var slope = slopeCentis / 100.0;
            var onLine = points.Select(p => p with { Value = intercept + slope * (p.Time - Origin).TotalHours }).ToArray();
            var trend = TrendLine.Fit(onLine)!;
            return Math.Abs(trend.SlopePerHour - slope) < 1e-7
                && trend.SlopeHigh - trend.SlopeLow < 1e-5
                && (slope == 0 || trend.RSquared > 1 - 1e-9);
        }));
    }

    [Fact]
    public void A_window_of_n_readings_weighs_as_much_as_n_windows_of_one_reading_with_the_same_mean()
    {
        Check.One(Runs, Prop.ForAll(Series().ToArbitrary(), points =>
        {
            var expanded = points.SelectMany(p => Enumerable.Repeat(p with { Weight = 1 }, (int)p.Weight)).ToArray();
            return Math.Abs(TrendLine.Fit(points)!.SlopePerHour - TrendLine.Fit(expanded)!.SlopePerHour) < 1e-7;
        }));
    }

    [Fact]
    public void Shifting_times_or_values_leaves_the_slope_alone_and_scaling_values_scales_it()
    {
        var cases = from points in Series()
                    from shiftMinutes in Gen.Choose(-100_000, 100_000)
                    from offset in Gen.Choose(-1000, 1000)
                    from scale in Gen.Choose(1, 50)
                    select (points, shiftMinutes, offset, scale);
        Check.One(Runs, Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var (points, shiftMinutes, offset, scale) = c;
            var original = TrendLine.Fit(points)!;
            var shifted = TrendLine.Fit(points.Select(p => p with { Time = p.Time.AddMinutes(shiftMinutes), Value = p.Value + offset }).ToArray())!;
            var scaled = TrendLine.Fit(points.Select(p => p with { Value = p.Value * scale }).ToArray())!;
            var tolerance = 1e-6 * (1 + Math.Abs(original.SlopePerHour));
            return Math.Abs(shifted.SlopePerHour - original.SlopePerHour) < tolerance
                && Math.Abs(scaled.SlopePerHour - scale * original.SlopePerHour) < tolerance * scale
                && Math.Abs(scaled.RSquared - original.RSquared) < 1e-6;
        }));
    }

    [Fact]
    public void The_order_of_the_points_does_not_matter()
    {
        Check.One(Runs, Prop.ForAll(Series().ToArbitrary(), points =>
        {
            var forward = TrendLine.Fit(points)!;
            var backward = TrendLine.Fit(points.Reverse().ToArray())!;
            return Math.Abs(forward.SlopePerHour - backward.SlopePerHour) < 1e-7
                && Math.Abs(forward.SlopeHigh - backward.SlopeHigh) < 1e-6;
        }));
    }
}

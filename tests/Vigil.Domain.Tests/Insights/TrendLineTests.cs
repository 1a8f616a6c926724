using Vigil.Domain.Insights;

namespace Vigil.Domain.Tests.Insights;

public sealed class TrendLineTests
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);

    private static TrendPoint At(double hours, double value, long weight = 1) => new(Origin.AddHours(hours), value, weight);

    [Fact]
    public void The_slope_interval_and_fit_match_the_textbook_regression()
    {
        // x = 0..3 h, y = 1, 3, 2, 5: slope 5.5 / 5 = 1.1, residual SS 2.7 on 2 degrees of freedom, t(0.975, 2) = 4.302653.
        var trend = TrendLine.Fit([At(0, 1), At(1, 3), At(2, 2), At(3, 5)]).ShouldNotBeNull();

        trend.SlopePerHour.ShouldBe(1.1, 1e-12);
        var halfWidth = 4.302652729749464 * Math.Sqrt(2.7 / 2 / 5);
        trend.SlopeLow.ShouldBe(1.1 - halfWidth, 1e-9);
        trend.SlopeHigh.ShouldBe(1.1 + halfWidth, 1e-9);
        trend.Points.ShouldBe(4);
        trend.RSquared.ShouldBe(1 - 2.7 / 8.75, 1e-12);
    }

    [Fact]
    public void A_lower_confidence_gives_a_narrower_interval()
    {
        TrendPoint[] points = [At(0, 1), At(1, 3), At(2, 2), At(3, 5)];
        var wide = TrendLine.Fit(points, 0.99).ShouldNotBeNull();
        var narrow = TrendLine.Fit(points, 0.80).ShouldNotBeNull();

        (narrow.SlopeHigh - narrow.SlopeLow).ShouldBeLessThan(wide.SlopeHigh - wide.SlopeLow);
        narrow.SlopePerHour.ShouldBe(wide.SlopePerHour);
    }

    [Fact]
    public void Windows_with_more_readings_pull_the_line_harder()
    {
        // The heavy point at 2 h drags the slope toward it; unweighted, the outlier at 3 h would dominate.
        var weighted = TrendLine.Fit([At(0, 60, 60), At(1, 61, 60), At(2, 62, 60), At(3, 90, 1)]).ShouldNotBeNull();
        var unweighted = TrendLine.Fit([At(0, 60), At(1, 61), At(2, 62), At(3, 90)]).ShouldNotBeNull();

        weighted.SlopePerHour.ShouldBeLessThan(unweighted.SlopePerHour);
        weighted.SlopePerHour.ShouldBeInRange(1.0, 2.0);
        unweighted.SlopePerHour.ShouldBeGreaterThan(8);
    }

    [Fact]
    public void Fewer_than_three_points_have_no_trend()
    {
        TrendLine.Fit([]).ShouldBeNull();
        TrendLine.Fit([At(0, 1), At(1, 2)]).ShouldBeNull();
    }

    [Fact]
    public void Points_all_at_one_time_have_no_trend()
    {
        TrendLine.Fit([At(1, 1), At(1, 2), At(1, 3)]).ShouldBeNull();
    }

    [Fact]
    public void Empty_windows_and_non_finite_values_are_left_out()
    {
        TrendLine.Fit([At(0, 1), At(1, 2), At(2, 99, 0), At(3, double.NaN)]).ShouldBeNull();

        var trend = TrendLine.Fit([At(0, 1), At(1, 2), At(2, 3), At(3, double.PositiveInfinity), At(4, 50, 0)]).ShouldNotBeNull();
        trend.Points.ShouldBe(3);
        trend.SlopePerHour.ShouldBe(1, 1e-12);
    }

    [Fact]
    public void A_flat_series_has_zero_slope_and_a_perfect_fit()
    {
        var trend = TrendLine.Fit([At(0, 97), At(0.5, 97), At(1, 97)]).ShouldNotBeNull();

        trend.SlopePerHour.ShouldBe(0);
        trend.SlopeLow.ShouldBe(0);
        trend.SlopeHigh.ShouldBe(0);
        trend.RSquared.ShouldBe(1);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-0.5)]
    [InlineData(double.NaN)]
    public void A_confidence_outside_zero_to_one_is_refused(double confidence)
    {
        Should.Throw<ArgumentOutOfRangeException>(() => TrendLine.Fit([At(0, 1), At(1, 2), At(2, 3)], confidence));
    }

    [Fact]
    public void The_interval_covers_the_true_slope_about_as_often_as_its_confidence_says()
    {
        // 2,000 noisy series with a known slope (fixed seed): a 95 % interval should miss about 100 of them.
        var random = new Random(20261121);
        var covered = 0;
        const int Series = 2000;
        for (var s = 0; s < Series; s++)
        {
            var points = new List<TrendPoint>();
            for (var i = 0; i < 8; i++)
            {
                var weight = random.Next(1, 30);
                var noise = Gaussian(random) * 4 / Math.Sqrt(weight);
                points.Add(At(i * 0.75, 80 - 1.5 * i * 0.75 + noise, weight));
            }

            var trend = TrendLine.Fit(points).ShouldNotBeNull();
            if (trend.SlopeLow <= -1.5 && -1.5 <= trend.SlopeHigh)
            {
                covered++;
            }
        }

        ((double)covered / Series).ShouldBeInRange(0.935, 0.965);
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

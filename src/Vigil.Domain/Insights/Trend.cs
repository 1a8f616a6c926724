using MathNet.Numerics.Distributions;

namespace Vigil.Domain.Insights;

/// <summary>
/// One point of a trend fit: the mean of a window's readings at <paramref name="Time"/>, weighted by
/// <paramref name="Weight"/>, the number of readings behind that mean.
/// </summary>
public readonly record struct TrendPoint(DateTimeOffset Time, double Value, long Weight);


/// <summary>
/// The straight line fitted through a vital's recent aggregates: its slope in units per hour with a two-sided
/// confidence interval, the number of points behind it and the share of variance it explains.
/// </summary>
/// <param name="SlopePerHour">Least-squares slope, in the vital's unit per hour.</param>
/// <param name="SlopeLow">Lower end of the slope's confidence interval.</param>
/// <param name="SlopeHigh">Upper end of the slope's confidence interval.</param>
/// <param name="Points">Number of points (window means) the line was fitted to.</param>
/// <param name="RSquared">Weighted coefficient of determination, 0 to 1; 1 when every point has the same value.</param>
public sealed record Trend(double SlopePerHour, double SlopeLow, double SlopeHigh, int Points, double RSquared);

/// <summary>
/// Weighted least-squares line through window means. Each mean of n readings has variance σ²/n, so weighting
/// by reading count gives the best linear unbiased slope; the interval uses Student's t with points − 2 degrees
/// of freedom, since σ² is estimated from the residuals of the means.
/// </summary>
public static class TrendLine
{
    /// <summary>Fewest points that leave a degree of freedom for the residual variance.</summary>
    public const int MinimumPoints = 3;

    /// <summary>
    /// The trend of <paramref name="points"/>, or null when fewer than <see cref="MinimumPoints"/> usable points
    /// remain or they all share one time. Points with no weight or a non-finite value are left out.
    /// </summary>
    /// <param name="confidence">Confidence level of the slope interval, strictly between 0 and 1.</param>
    public static Trend? Fit(IReadOnlyList<TrendPoint> points, double confidence = 0.95)
    {
        if (!(confidence > 0 && confidence < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(confidence), confidence, "confidence must be strictly between 0 and 1");
        }

        var usable = 0;
        var origin = default(DateTimeOffset);
        double weightSum = 0, xSum = 0, ySum = 0;
        foreach (var point in points)
        {
            if (!IsUsable(point))
            {
                continue;
            }

            if (usable++ == 0)
            {
                origin = point.Time;
            }

            weightSum += point.Weight;
            xSum += point.Weight * HoursSince(origin, point);
            ySum += point.Weight * point.Value;
        }

        if (usable < MinimumPoints)
        {
            return null;
        }

        var xMean = xSum / weightSum;
        var yMean = ySum / weightSum;
        double sxx = 0, sxy = 0, syy = 0;
        foreach (var point in points)
        {
            if (!IsUsable(point))
            {
                continue;
            }

            var dx = HoursSince(origin, point) - xMean;
            var dy = point.Value - yMean;
            sxx += point.Weight * dx * dx;
            sxy += point.Weight * dx * dy;
            syy += point.Weight * dy * dy;
        }

        if (sxx <= 0)
        {
            return null;
        }

        var slope = sxy / sxx;
        var residual = Math.Max(0, syy - slope * sxy);
        var degreesOfFreedom = usable - 2;
        var standardError = Math.Sqrt(residual / degreesOfFreedom / sxx);
        var t = StudentT.InvCDF(0, 1, degreesOfFreedom, (1 + confidence) / 2);
        var rSquared = syy > 0 ? Math.Clamp(1 - residual / syy, 0, 1) : 1;
        return new Trend(slope, slope - t * standardError, slope + t * standardError, usable, rSquared);
    }

    private static bool IsUsable(TrendPoint point) => point.Weight > 0 && double.IsFinite(point.Value);

    private static double HoursSince(DateTimeOffset origin, TrendPoint point) => (point.Time - origin).TotalHours;
}

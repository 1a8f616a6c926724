namespace Vigil.Domain.Insights;

/// <summary>
/// One patient's own normal for one vital: <see cref="Level"/>, an exponentially weighted moving average (EWMA) of the
/// median of the last <see cref="MedianMinutes"/> one-minute means, and <see cref="Spread"/>, an EWMA of their median
/// absolute deviation (MAD, scaled by 1.4826 to estimate a standard deviation). Medians make it robust to artefacts:
/// a motion spike moves one minute's mean, and the median of five minutes ignores one odd minute outright.
/// </summary>
/// <param name="Level">The baseline value, in the vital's canonical unit.</param>
/// <param name="Spread">How far one-minute means usually stray from it (σ-equivalent), before the type's floor.</param>
/// <param name="Minutes">How many one-minute means have been absorbed: the warm-up counts these.</param>
/// <param name="Recent">The last one-minute means, oldest first, at most <see cref="MedianMinutes"/>.</param>
public sealed record PersonalBaseline(double Level, double Spread, int Minutes, IReadOnlyList<double> Recent)
{
    /// <summary>Minutes whose means make each median.</summary>
    public const int MedianMinutes = 5;

    /// <summary>
    /// Weight of each new minute once warmed up: about an hour's memory, slow beside the minutes an anomaly needs to
    /// be sustained and fast beside the day-long circadian swing.
    /// </summary>
    public const double Smoothing = 1.0 / 60;

    /// <summary>
    /// How far (in spreads) a median may pull the level in one step (a Huber-style clip). A sustained deviation
    /// therefore moves the baseline at most one spread per hour (spread × <see cref="Smoothing"/> per minute), so a
    /// deterioration developing over an hour or two is not learned as the new normal while it develops, while a
    /// lasting change of normal is followed within hours. Noise within a spread is absorbed as by a plain EWMA.
    /// </summary>
    public const double ClipSpreads = 1;

    /// <summary>1 / Φ⁻¹(3/4): scales a MAD of normally distributed values to their standard deviation.</summary>
    public const double MadToSigma = 1.4826;

    /// <summary>The baseline of a vital seen for the first time.</summary>
    public static PersonalBaseline Empty { get; } = new(0, 0, 0, []);

    /// <summary>The spread deviations are measured in: <see cref="Spread"/>, but never below the type's floor.</summary>
    public double Scale(string type) => Math.Max(Spread, BaselineFloor.For(type, Level));

    /// <summary>How many spreads <paramref name="mean"/> lies from the level (signed); null before any minute was absorbed.</summary>
    public double? Deviation(double mean, string type) => Minutes == 0 ? null : (mean - Level) / Scale(type);

    /// <summary>
    /// This baseline with one more minute's mean absorbed. Until <see cref="Smoothing"/>'s memory is filled the EWMAs
    /// are plain running means (weight 1/n), so the level is meaningful from the first minutes rather than dragged
    /// from zero.
    /// </summary>
    public PersonalBaseline Absorb(double mean, string type)
    {
        var recent = new double[Math.Min(Recent.Count + 1, MedianMinutes)];
        for (var i = 0; i < recent.Length - 1; i++)
        {
            recent[i] = Recent[Recent.Count - recent.Length + 1 + i];
        }

        recent[^1] = mean;
        var median = Median((double[])recent.Clone());
        var deviations = new double[recent.Length];
        for (var i = 0; i < recent.Length; i++)
        {
            deviations[i] = Math.Abs(recent[i] - median);
        }

        var mad = MadToSigma * Median(deviations);
        var minutes = Minutes + 1;
        if (Minutes == 0)
        {
            return new PersonalBaseline(median, mad, minutes, recent);
        }

        var weight = Math.Max(1.0 / minutes, Smoothing);
        var scale = Scale(type);
        var limit = ClipSpreads * scale;
        var pulled = Math.Clamp(median, Level - limit, Level + limit);
        var spread = Math.Min(mad, 3 * scale);
        return new PersonalBaseline(
            Level + (weight * (pulled - Level)),
            Spread + (weight * (spread - Spread)),
            minutes,
            recent);
    }

    /// <summary>The median of <paramref name="values"/>, which it sorts in place (at most five values: a copy is cheap).</summary>
    private static double Median(double[] values)
    {
        Array.Sort(values);
        var middle = values.Length / 2;
        return values.Length % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    }
}

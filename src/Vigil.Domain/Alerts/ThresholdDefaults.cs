namespace Vigil.Domain.Alerts;

/// <summary>
/// The thresholds that apply where a customer has configured none. The limits sit where the NEWS2 chart (RCP 2017)
/// gives a single parameter 3 points, the level at which the chart asks for an urgent clinical review: pulse ≤ 40 or
/// ≥ 131, respiration ≤ 8 or ≥ 25, SpO2 (Scale 1) ≤ 91, systolic BP ≤ 90 or ≥ 220, temperature ≤ 35.0. Temperature's
/// high limit is the chart's 2-point band (≥ 39.1), since the chart has no 3-point band for fever. An assigned device
/// silent for 10 minutes is a data gap.
/// </summary>
public static class ThresholdDefaults
{
    public static IReadOnlyList<ThresholdRule> Rules { get; } =
    [
        new("heart_rate", 41, 130, 0, AlertSeverity.High),
        new("respiratory_rate", 9, 24, 0, AlertSeverity.High),
        new("spo2", 92, null, 0, AlertSeverity.High),
        new("systolic_bp", 91, 219, 0, AlertSeverity.High),
        new("temperature", 35.1, 39.0, 0, AlertSeverity.High),
        new(ThresholdRule.DataGapType, null, null, 600, AlertSeverity.Medium),
    ];
}

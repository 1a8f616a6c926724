namespace Vigil.Domain.Insights;

/// <summary>
/// The smallest spread a baseline measures deviations in, per vital type. A very steady patient (or a monitor that
/// rounds SpO2 to whole percent, so that every minute reads 98) would otherwise have a spread near zero and alert on
/// any clinically meaningless wobble; the floors are about the smallest change a clinician would call a change.
/// </summary>
public static class BaselineFloor
{
    /// <summary>The floor of <paramref name="type"/>; for types without one, 1 % of the level (at least 0.001).</summary>
    public static double For(string type, double level) => type switch
    {
        "heart_rate" => 2,
        "respiratory_rate" => 1,
        "spo2" => 1,
        "temperature" => 0.1,
        "systolic_bp" => 3,
        "diastolic_bp" => 2,
        _ => Math.Max(0.01 * Math.Abs(level), 0.001),
    };
}

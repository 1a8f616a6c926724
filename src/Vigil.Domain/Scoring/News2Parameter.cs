namespace Vigil.Domain.Scoring;

/// <summary>
/// The seven physiological parameters of the NEWS2 chart (Royal College of Physicians, 2017), by the snake_case names
/// Vigil reports them under, in the chart's order.
/// </summary>
public static class News2Parameter
{
    public const string RespirationRate = "respiration_rate";

    public const string Spo2 = "spo2";

    public const string AirOrOxygen = "air_or_oxygen";

    public const string SystolicBp = "systolic_bp";

    public const string Pulse = "pulse";

    public const string Consciousness = "consciousness";

    public const string Temperature = "temperature";

    public static IReadOnlyList<string> All { get; } =
        [RespirationRate, Spo2, AirOrOxygen, SystolicBp, Pulse, Consciousness, Temperature];
}

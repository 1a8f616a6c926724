namespace Vigil.Domain.Scoring;

/// <summary>
/// The bands of the NEWS2 chart (Royal College of Physicians, 2017): points for one parameter's value, already
/// rounded as the chart is read (whole numbers; temperature to one decimal). Each band is tested by its upper bound
/// so that every value falls in exactly one band, with no gaps between them.
/// </summary>
public static class News2Bands
{
    /// <summary>Breaths per minute: ≤8 → 3; 9–11 → 1; 12–20 → 0; 21–24 → 2; ≥25 → 3.</summary>
    public static int RespirationRate(int perMinute) => perMinute switch
    {
        <= 8 => 3,
        <= 11 => 1,
        <= 20 => 0,
        <= 24 => 2,
        _ => 3,
    };

    /// <summary>SpO2 Scale 1 (%): ≤91 → 3; 92–93 → 2; 94–95 → 1; ≥96 → 0.</summary>
    public static int Spo2Scale1(int percent) => percent switch
    {
        <= 91 => 3,
        <= 93 => 2,
        <= 95 => 1,
        _ => 0,
    };

    /// <summary>
    /// SpO2 Scale 2 (%), for confirmed hypercapnic respiratory failure: ≤83 → 3; 84–85 → 2; 86–87 → 1; 88–92 → 0;
    /// ≥93 on air → 0; on oxygen 93–94 → 1, 95–96 → 2, ≥97 → 3. The chart scores saturations above the 88–92% target
    /// only when they are reached on oxygen (a risk of oxygen-induced hypercapnia), so without a record of oxygen
    /// (<paramref name="onOxygen"/> null) a value of 93% or more is banded as on air, scoring 0.
    /// </summary>
    public static int Spo2Scale2(int percent, bool? onOxygen) => percent switch
    {
        <= 83 => 3,
        <= 85 => 2,
        <= 87 => 1,
        <= 92 => 0,
        _ when onOxygen is not true => 0,
        <= 94 => 1,
        <= 96 => 2,
        _ => 3,
    };

    /// <summary>Air or oxygen: supplemental oxygen → 2; air → 0.</summary>
    public static int AirOrOxygen(bool onOxygen) => onOxygen ? 2 : 0;

    /// <summary>Systolic blood pressure (mmHg): ≤90 → 3; 91–100 → 2; 101–110 → 1; 111–219 → 0; ≥220 → 3.</summary>
    public static int SystolicBp(int mmHg) => mmHg switch
    {
        <= 90 => 3,
        <= 100 => 2,
        <= 110 => 1,
        <= 219 => 0,
        _ => 3,
    };

    /// <summary>Pulse per minute: ≤40 → 3; 41–50 → 1; 51–90 → 0; 91–110 → 1; 111–130 → 2; ≥131 → 3.</summary>
    public static int Pulse(int perMinute) => perMinute switch
    {
        <= 40 => 3,
        <= 50 => 1,
        <= 90 => 0,
        <= 110 => 1,
        <= 130 => 2,
        _ => 3,
    };

    /// <summary>ACVPU: Alert → 0; new Confusion, Voice, Pain or Unresponsive → 3.</summary>
    public static int Consciousness(string acvpu) => acvpu switch
    {
        "A" => 0,
        "C" or "V" or "P" or "U" => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(acvpu), acvpu, "must be one of A, C, V, P, U (ACVPU)"),
    };

    /// <summary>Temperature (°C, one decimal): ≤35.0 → 3; 35.1–36.0 → 1; 36.1–38.0 → 0; 38.1–39.0 → 1; ≥39.1 → 2.</summary>
    public static int Temperature(double celsius) => celsius switch
    {
        <= 35.0 => 3,
        <= 36.0 => 1,
        <= 38.0 => 0,
        <= 39.0 => 1,
        _ => 2,
    };
}

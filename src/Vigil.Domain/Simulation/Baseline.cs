namespace Vigil.Domain.Simulation;

/// <summary>One synthetic patient's resting vital signs, around which the simulation draws their readings.</summary>
/// <param name="HeartRate">Pulse, /min.</param>
/// <param name="RespiratoryRate">Breaths, /min.</param>
/// <param name="Spo2">Oxygen saturation, %.</param>
/// <param name="Temperature">Body temperature, Cel.</param>
/// <param name="Systolic">Systolic pressure, mm[Hg].</param>
/// <param name="Diastolic">Diastolic pressure, mm[Hg].</param>
public sealed record Baseline(double HeartRate, double RespiratoryRate, double Spo2, double Temperature, double Systolic, double Diastolic)
{
    /// <summary>
    /// A healthy adult's resting values drawn from <paramref name="random"/>, kept inside NEWS2's zero-point bands
    /// (pulse 51-90, respiration 12-20, SpO2 >= 96, temperature 36.1-38.0, systolic 111-219) with room for noise.
    /// </summary>
    public static Baseline Draw(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        double Between(double low, double high) => low + (random.NextDouble() * (high - low));
        var systolic = Between(118, 140);
        return new Baseline(
            HeartRate: Between(62, 80),
            RespiratoryRate: Between(13, 17),
            Spo2: Between(97, 99),
            Temperature: Between(36.5, 37.1),
            Systolic: systolic,
            Diastolic: systolic - Between(38, 50));
    }

    /// <summary>
    /// An adult whose usual values are unusual but steady, drawn from <paramref name="random"/>: every other one an
    /// endurance athlete with a slow pulse (40-46 /min) and a lowish systolic pressure (104-116), the others a
    /// chronic lung patient living at SpO2 87-90 % with a faster breath (19-22 /min). Both sit outside fixed alarm
    /// limits (pulse 41, SpO2 92) on an ordinary day; they are the patients personal baselines are for.
    /// </summary>
    public static Baseline DrawAtypical(Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var usual = Draw(random);
        double Between(double low, double high) => low + (random.NextDouble() * (high - low));
        if (random.Next(2) == 0)
        {
            var systolic = Between(104, 116);
            return usual with { HeartRate = Between(40, 46), Systolic = systolic, Diastolic = systolic - Between(38, 46) };
        }

        return usual with { Spo2 = Between(87, 90), RespiratoryRate = Between(19, 22) };
    }
}

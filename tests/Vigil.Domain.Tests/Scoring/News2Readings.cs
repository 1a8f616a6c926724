using Vigil.Domain.Readings;

namespace Vigil.Domain.Tests.Scoring;

/// <summary>Readings for NEWS2 tests, timed back from <see cref="Newest"/>.</summary>
internal static class News2Readings
{
    public static readonly DateTimeOffset Newest = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    public static Reading Vital(VitalType type, double value, double minutesBefore = 0, string patientId = "patient-1") =>
        new(Guid.NewGuid().ToString("N"), patientId, null, type, value, null, Newest.AddMinutes(-minutesBefore));

    public static Reading Acvpu(string level, double minutesBefore = 0) =>
        new(Guid.NewGuid().ToString("N"), "patient-1", null, VitalTypes.Consciousness, null, level, Newest.AddMinutes(-minutesBefore));

    public static Reading Oxygen(bool on, double minutesBefore = 0) => Vital(VitalTypes.OxygenSupplement, on ? 1 : 0, minutesBefore);

    /// <summary>A patient whose every parameter is in its 0-point band; <paramref name="replace"/> swaps some out.</summary>
    public static List<Reading> Patient(params Reading[] replace)
    {
        List<Reading> normal =
        [
            Vital(VitalTypes.RespiratoryRate, 16),
            Vital(VitalTypes.Spo2, 97),
            Oxygen(false),
            Vital(VitalTypes.SystolicBp, 120),
            Vital(VitalTypes.HeartRate, 70),
            Acvpu("A"),
            Vital(VitalTypes.Temperature, 37.0),
        ];
        normal.RemoveAll(n => replace.Any(r => r.Type == n.Type));
        normal.AddRange(replace);
        return normal;
    }
}

using Vigil.Domain.Readings;

namespace Vigil.Domain.Tests.Windows;

/// <summary>Readings for window tests: times on one UTC day, heart rate unless told otherwise.</summary>
internal static class Vitals
{
    public static readonly DateTimeOffset Day = new(2026, 11, 21, 0, 0, 0, TimeSpan.Zero);

    private static long next;

    public static DateTimeOffset At(int hour, int minute, int second = 0, int micros = 0) =>
        Day.AddHours(hour).AddMinutes(minute).AddSeconds(second).AddTicks(micros * TimeSpan.TicksPerMicrosecond);

    public static Reading Reading(DateTimeOffset at, double value, VitalType? type = null, string patient = "p1") =>
        new($"r{Interlocked.Increment(ref next)}", patient, "d1", type ?? VitalTypes.HeartRate, value, null, at);

    public static Reading Consciousness(DateTimeOffset at, string patient = "p1") =>
        new($"r{Interlocked.Increment(ref next)}", patient, null, VitalTypes.Consciousness, null, "A", at);
}

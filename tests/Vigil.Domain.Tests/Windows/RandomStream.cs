using Vigil.Domain.Readings;
using static Vigil.Domain.Tests.Windows.Vitals;

namespace Vigil.Domain.Tests.Windows;

/// <summary>
/// A reproducible, out-of-order stream of one patient's readings over 4 hours, in arrival order: most arrive within
/// 2 minutes of their event time, some up to 15 minutes late, a few up to 3 hours late (past retention). Some times
/// sit exactly on minute boundaries and some repeat, to exercise boundaries and "last" ties. Values are multiples
/// of 0.25 so that sums are exact in any order.
/// </summary>
internal static class RandomStream
{
    private static readonly VitalType[] Types = [VitalTypes.HeartRate, VitalTypes.Spo2, VitalTypes.Temperature, VitalTypes.SystolicBp];

    public static IReadOnlyList<Reading> Readings(int seed, int count)
    {
        var random = new Random(seed);
        var start = At(8, 0);
        var fourHours = TimeSpan.FromHours(4).Ticks / TimeSpan.TicksPerMicrosecond;
        var stream = new List<(DateTimeOffset Arrival, int Index, Reading Reading)>();
        for (var i = 0; i < count; i++)
        {
            var time = random.NextDouble() switch
            {
                < 0.05 => start.AddMinutes(random.Next(0, 240)),
                < 0.08 when stream.Count > 0 => stream[^1].Reading.ObservedAt,
                _ => start.AddTicks(random.NextInt64(0, fourHours) * TimeSpan.TicksPerMicrosecond),
            };
            var delay = random.NextDouble() switch
            {
                < 0.80 => TimeSpan.FromSeconds(random.Next(0, 120)),
                < 0.95 => TimeSpan.FromSeconds(random.Next(120, 900)),
                _ => TimeSpan.FromSeconds(random.Next(900, 3 * 3600)),
            };
            var reading = random.NextDouble() < 0.05
                ? Consciousness(time)
                : Reading(time, random.Next(0, 800) * 0.25, Types[random.Next(Types.Length)]);
            stream.Add((time + delay, i, reading));
        }

        return [.. stream.OrderBy(s => s.Arrival).ThenBy(s => s.Index).Select(s => s.Reading)];
    }
}

using Vigil.Domain.Readings;
using Vigil.Domain.Windows;

namespace Vigil.Domain.Tests.Windows;

public sealed class RandomStreamTests
{
    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 5)]
    [InlineData(3, 0)]
    [InlineData(4, 10)]
    [InlineData(2026, 5)]
    public void Every_stored_window_equals_a_recomputation_from_the_readings(int seed, int latenessMinutes)
    {
        var options = new WindowOptions(TimeSpan.FromMinutes(latenessMinutes), TimeSpan.FromHours(2));
        var readings = RandomStream.Readings(seed, count: 600);
        var windows = new PatientWindows("p1", options);
        var store = new StoredAggregates();

        var expectedLate = 0;
        DateTimeOffset? latest = null;
        foreach (var reading in readings)
        {
            if (reading.Type.Kind == ValueKind.Quantity && latest - options.AllowedLateness
                >= TumblingWindow.Containing(WindowSize.OneMinute, reading.ObservedAt).End)
            {
                expectedLate++;
            }

            latest = latest > reading.ObservedAt ? latest : reading.ObservedAt;
            store.Process(windows, reading);
        }

        var watermark = latest!.Value - options.AllowedLateness;
        var expected = Recompute(readings, watermark);
        store.All.Count.ShouldBe(expected.Count);
        foreach (var actual in store.All)
        {
            actual.ShouldBe(expected[(actual.Type.Name, actual.Window)], $"{actual.Type}/{actual.Window}");
        }

        windows.LateCorrections.ShouldBe(expectedLate);
        expectedLate.ShouldBeGreaterThan(0, "the stream should have late readings");
        store.Merges.ShouldBeGreaterThan(0, "the stream should have readings for evicted windows");
        windows.Windows.Count.ShouldBeLessThan(store.All.Count, "final windows past retention should be evicted");
    }

    private static Dictionary<(string, TumblingWindow), WindowAggregate> Recompute(
        IReadOnlyList<Reading> readings, DateTimeOffset watermark) =>
        readings
            .Select((reading, arrival) => (reading, arrival))
            .Where(r => r.reading.Type.Kind == ValueKind.Quantity)
            .SelectMany(r => WindowSize.All.Select(size => (r.reading, r.arrival, window: TumblingWindow.Containing(size, r.reading.ObservedAt))))
            .GroupBy(r => (r.reading.Type.Name, r.window))
            .ToDictionary(
                g => g.Key,
                g =>
                {
                    var values = g.Select(r => r.reading.Value!.Value).ToList();
                    var last = g.MaxBy(r => (r.reading.ObservedAt, r.arrival)).reading;
                    return new WindowAggregate(
                        "p1",
                        last.Type,
                        g.Key.window,
                        values.Count,
                        values.Sum(),
                        values.Min(),
                        values.Max(),
                        last.Value!.Value,
                        last.ObservedAt,
                        Final: g.Key.window.End <= watermark);
                });
}

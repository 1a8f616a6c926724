using System.Diagnostics;

namespace Vigil.Bench;

/// <summary>
/// The load modes' measurement: <c>clients</c> loops, each sending one request (a POST, a stream) after the other for
/// <c>warmup</c> + <c>seconds</c>. Requests started after the warm-up and finished by the end are measured; any
/// failure stops every loop and is reported as the first one.
/// </summary>
public static class ClosedLoop
{
    public sealed record Result(long Measured, long Total, List<double> LatencyMs);

    /// <param name="client">Called once per loop with its number; returns the loop's request (which throws on any unexpected answer).</param>
    public static async Task<Result> RunAsync(int clients, double warmup, double seconds, string what, Func<int, Func<CancellationToken, Task>> client)
    {
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var end = warmup + seconds;
        var results = new Result[clients];

        async Task Loop(int n)
        {
            var result = results[n] = new Result(0, 0, []);
            var request = client(n);
            long measured = 0, total = 0;
            while (!stop.IsCancellationRequested)
            {
                var started = clock.Elapsed.TotalSeconds;
                if (started >= end)
                {
                    break;
                }

                await request(stop.Token);
                var finished = clock.Elapsed.TotalSeconds;
                total++;
                if (started >= warmup && finished <= end)
                {
                    measured++;
                    result.LatencyMs.Add((finished - started) * 1000);
                }
            }

            results[n] = result with { Measured = measured, Total = total };
        }

        var tasks = Enumerable.Range(0, clients).Select(n => Task.Run(() => Loop(n))).ToArray();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception)
        {
            await stop.CancelAsync();
            throw VigilHttp.FirstFailure(tasks, what);
        }

        var latencies = results.SelectMany(r => r.LatencyMs).ToList();
        latencies.Sort();
        return new Result(results.Sum(r => r.Measured), results.Sum(r => r.Total), latencies);
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Vigil.Bench;

/// <summary>
/// End-to-end throughput: readings per second from the first POST until every acknowledged reading is reflected in
/// the 1-minute window aggregates and every window the closing readings' watermark has passed is final.
/// </summary>
/// <remarks>
/// <c>--clients</c> loops POST batches of <c>--batch</c> readings (as the http mode: heart rate 60-100, observedAt 10
/// to 50 minutes ago) for <c>--seconds</c>; every request sent is waited for, and every one must be a 202 accepting
/// the whole batch. Then one closing reading per patient with observedAt = now moves each patient's watermark past
/// every earlier window (all of them end more than the allowed lateness before it). Completion is seen by reading the
/// database file read-only every <c>--poll-ms</c> (<see cref="ProcessingProbe"/>), or, for the distributed mode
/// (<c>--connection-string</c>), the PostgreSQL database (<see cref="PostgresProcessingProbe"/>). A warm-up of <c>--warmup</c>
/// seconds, processed to the end before the measurement starts, takes JIT and cache warm-up out of the figures.
/// </remarks>
public static class E2eThroughput
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = VigilHttp.ReadingsUrl(options.Get("url"));
        var key = await VigilHttp.ReadKeyAsync(options);
        var clients = options.Int("clients", 4);
        var seconds = options.Double("seconds", 20);
        var warmup = options.Double("warmup", 5);
        var batchSize = options.Int("batch", 1000);
        var patients = options.Int("patients", 200);
        var pollMs = options.Int("poll-ms", 150);
        var lateness = TimeSpan.FromMinutes(options.Double("lateness-minutes", 5));
        var timeout = options.Double("timeout", 900);
        var partitions = options.Int("partitions", 12);
        var tag = $"e{clients}x{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))}";
        var batch = new ReadingBatch(tag, batchSize, patients, seed: 11);

        var customer = options.Get("customer", "bench");
        var connectionString = options.Get("connection-string", "");
        using IProcessingProbe probe = connectionString.Length > 0
            ? new PostgresProcessingProbe(connectionString, customer)
            : new ProcessingProbe(options.Get("data-dir"), customer);
        using var http = VigilHttp.Create(key, clients, TimeSpan.FromSeconds(120));
        var clock = Stopwatch.StartNew();
        var sequence = new Sequence();

        long warmAcked = 0;
        if (warmup > 0)
        {
            var warm = await PostForAsync(http, url, batch, clients, sequence, clock, warmup, acked: null);
            warmAcked = warm.Acked;
            var drained = await WaitAsync(clock, timeout, pollMs, () => probe.Reflected() >= warmAcked, "the warm-up to be processed");
            Log($"warm-up: {warmAcked} readings acknowledged in {warm.Seconds:0.0} s, processed {drained - warm.LastAck:0.0} s after the last acknowledgement");
        }

        // The measured run, with a sampler beside it: readings acknowledged vs reflected in windows, and group lags.
        long ackedSoFar = 0;
        var samples = new List<Sample>();
        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            var nextLag = 0.0;
            while (!stopSampling.IsCancellationRequested)
            {
                var t = clock.Elapsed.TotalSeconds;
                var lags = t >= nextLag ? probe.Lags(partitions) : null;
                nextLag = lags is null ? nextLag : t + 5;
                samples.Add(new Sample(t, Interlocked.Read(ref ackedSoFar), probe.Reflected() - warmAcked, lags));
                try
                {
                    await Task.Delay(pollMs, stopSampling.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        var run = await PostForAsync(http, url, batch, clients, sequence, clock, seconds, acked: n => Interlocked.Add(ref ackedSoFar, n));
        await stopSampling.CancelAsync();
        await sampler;
        var atIngestEnd = clock.Elapsed.TotalSeconds;
        var reflectedAtIngestEnd = probe.Reflected() - warmAcked;
        var lagsAtIngestEnd = probe.Lags(partitions);

        // Closing readings: the watermark passes every window that ends more than the allowed lateness before now.
        var closeAt = DateTimeOffset.UtcNow;
        await PostClosingAsync(http, url, tag, patients, closeAt);
        var watermark = closeAt - lateness;
        var expected = warmAcked + run.Acked + patients;

        double? allReflectedAt = null;
        var done = await WaitAsync(clock, timeout, pollMs, () =>
        {
            var reflected = probe.Reflected();
            if (reflected > expected)
            {
                throw new BenchException($"{reflected} readings in the 1-minute windows, more than the {expected} sent: another client is posting");
            }

            if (reflected < expected)
            {
                return false;
            }

            allReflectedAt ??= clock.Elapsed.TotalSeconds;
            return probe.NotFinal(watermark) == 0;
        }, "processing to complete");

        var ingestSeconds = run.LastAck - run.FirstPost;
        var e2eSeconds = done - run.FirstPost;
        var ingestRate = run.Acked / ingestSeconds;
        var e2eRate = run.Acked / e2eSeconds;
        var maxLag = samples.Count == 0 ? 0 : samples.Max(s => s.Acked - s.Reflected);
        foreach (var s in samples.Where(s => s.Lags is not null))
        {
            Log($"t={s.At - run.FirstPost:0.0}s acked={s.Acked} reflected={s.Reflected} lag={s.Acked - s.Reflected} "
                + string.Join(' ', s.Lags!.Select(l => $"{l.Group}={l.Lag}")));
        }

        Report.Line("e2e-throughput",
            ("clients", clients), ("batch", batchSize), ("seconds", seconds), ("readings", run.Acked), ("requests", run.Requests),
            ("ingest_s", ingestSeconds), ("ingest_per_s", ingestRate),
            ("e2e_s", e2eSeconds), ("e2e_per_s", e2eRate), ("ratio", e2eRate / ingestRate),
            ("drain_s", done - run.LastAck), ("reflected_s", (allReflectedAt ?? done) - run.FirstPost),
            ("processed_during_ingest_per_s", reflectedAtIngestEnd / (atIngestEnd - run.FirstPost)),
            ("processed_during_drain_per_s", (run.Acked - reflectedAtIngestEnd) / Math.Max(0.001, done - atIngestEnd)),
            ("lag_at_ingest_end", run.Acked - reflectedAtIngestEnd), ("max_lag", maxLag),
            ("group_lag_at_ingest_end", string.Join(',', lagsAtIngestEnd.Select(l => $"{l.Group}:{l.Lag}"))),
            ("post_p50_ms", Percentiles.Of(run.LatencyMs, 50)), ("post_p99_ms", Percentiles.Of(run.LatencyMs, 99)),
            ("warmup_readings", warmAcked), ("poll_ms", pollMs));
        return 0;
    }

    /// <summary>
    /// POSTs batches from <paramref name="clients"/> loops until <paramref name="seconds"/> have passed since the first,
    /// then waits for every request sent. Fails on any answer but a 202 accepting the whole batch.
    /// </summary>
    private static async Task<PostRun> PostForAsync(
        HttpClient http, Uri url, ReadingBatch batch, int clients, Sequence sequence, Stopwatch clock, double seconds, Action<long>? acked)
    {
        var contentType = new MediaTypeHeaderValue("application/json");
        var start = clock.Elapsed.TotalSeconds;
        var end = start + seconds;
        var results = new PostRun[clients];

        async Task Client(int n)
        {
            var result = results[n] = new PostRun { FirstPost = double.MaxValue };
            var buffer = new byte[batch.Length];
            while (true)
            {
                var started = clock.Elapsed.TotalSeconds;
                if (started >= end)
                {
                    return;
                }

                batch.Fill(buffer, sequence.Next(batch.Size));
                using var content = new ByteArrayContent(buffer);
                content.Headers.ContentType = contentType;
                using var response = await http.PostAsync(url, content);
                var body = await response.Content.ReadAsByteArrayAsync();
                var finished = clock.Elapsed.TotalSeconds;
                VigilHttp.RequireAccepted(url, response.StatusCode, body, batch.Size);
                result.FirstPost = Math.Min(result.FirstPost, started);
                result.LastAck = Math.Max(result.LastAck, finished);
                result.Requests++;
                result.Acked += batch.Size;
                result.LatencyMs.Add((finished - started) * 1000);
                acked?.Invoke(batch.Size);
            }
        }

        var tasks = Enumerable.Range(0, clients).Select(n => Task.Run(() => Client(n))).ToArray();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception)
        {
            throw VigilHttp.FirstFailure(tasks, $"POST {url}");
        }

        var all = new PostRun
        {
            FirstPost = results.Min(r => r.FirstPost),
            LastAck = results.Max(r => r.LastAck),
            Requests = results.Sum(r => r.Requests),
            Acked = results.Sum(r => r.Acked),
        };
        if (all.Requests == 0)
        {
            throw new BenchException("no request completed");
        }

        all.LatencyMs.AddRange(results.SelectMany(r => r.LatencyMs));
        all.LatencyMs.Sort();
        return all;
    }

    private static async Task PostClosingAsync(HttpClient http, Uri url, string tag, int patients, DateTimeOffset at)
    {
        var json = new StringBuilder("[");
        var observedAt = at.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        for (var n = 0; n < patients; n++)
        {
            json.Append(n == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $"{{\"id\":\"{tag}-close-{n}\",\"patientId\":\"{ReadingBatch.PatientId(n)}\",\"type\":\"heart_rate\",\"value\":72,\"observedAt\":\"{observedAt}\"}}");
        }

        using var content = new StringContent(json.Append(']').ToString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(url, content);
        VigilHttp.RequireAccepted(url, response.StatusCode, await response.Content.ReadAsByteArrayAsync(), patients);
    }

    /// <summary>Polls <paramref name="condition"/> every <paramref name="pollMs"/>; returns the clock when it first held.</summary>
    private static async Task<double> WaitAsync(Stopwatch clock, double timeoutSeconds, int pollMs, Func<bool> condition, string what)
    {
        var deadline = clock.Elapsed.TotalSeconds + timeoutSeconds;
        while (true)
        {
            if (condition())
            {
                return clock.Elapsed.TotalSeconds;
            }

            if (clock.Elapsed.TotalSeconds > deadline)
            {
                throw new BenchException($"waited {timeoutSeconds} s for {what}");
            }

            await Task.Delay(pollMs);
        }
    }

    private static void Log(string message) => Console.Error.WriteLine($"vigil-bench: {message}");

    private sealed record Sample(double At, long Acked, long Reflected, IReadOnlyList<(string Group, long Lag)>? Lags);

    private sealed class PostRun
    {
        public double FirstPost { get; set; }

        public double LastAck { get; set; }

        public long Requests { get; set; }

        public long Acked { get; set; }

        public double Seconds => LastAck - FirstPost;

        public List<double> LatencyMs { get; } = [];
    }

    /// <summary>Reading ids shared by every phase of a run, so no two requests repeat an id.</summary>
    private sealed class Sequence
    {
        private long _next;

        public long Next(int count) => Interlocked.Add(ref _next, count) - count;
    }
}

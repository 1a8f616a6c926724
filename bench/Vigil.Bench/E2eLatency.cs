using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Vigil.Bench;

/// <summary>
/// End-to-end alert latency under a steady load: how long from the start of a POST of a breaching reading until
/// GET /api/v1/alerts returns the alert it raised.
/// </summary>
/// <remarks>
/// Background: <c>--rate</c> readings/s in batches of <c>--batch</c> over <c>--connections</c> connections, each batch
/// due at a fixed offset on a stopwatch (so a slow answer delays the next POST of that connection but not the rate;
/// the rate achieved counts the readings of batches due in the measured window that were sent before its end and
/// answered 202), heart rate 60-100 with observedAt = now, which never breaches the built-in 41-130 limits. Probes: every
/// <c>--probe-every-ms</c> one reading of heart rate 180 for a fresh probe patient (probe-0000.., made by setup), then
/// GET /api/v1/alerts?patientId=..&amp;rule=threshold:heart_rate on the probe's own connection every <c>--poll-ms</c>
/// (0: back to back) until the active alert is listed. Latency = POST start to the end of that GET. Warm-up probes and
/// POSTs are not counted. Any answer but 202 (POST) or 200 (GET) fails the run, after the result line is printed.
/// </remarks>
public static class E2eLatency
{
    private const string Rule = "threshold:heart_rate";

    public static async Task<int> RunAsync(Options options)
    {
        var baseUrl = VigilHttp.Loopback(options.Get("url"));
        var url = VigilHttp.ReadingsUrl(options.Get("url"));
        var key = await VigilHttp.ReadKeyAsync(options);
        var rate = options.Double("rate", 2000);
        var batchSize = options.Int("batch", 10);
        var connections = options.Int("connections", 4);
        var seconds = options.Double("seconds", 20);
        var warmup = options.Double("warmup", 5);
        var patients = options.Int("patients", 200);
        var probePatients = options.Int("probes", 600);
        var probeEvery = options.Double("probe-every-ms", 100) / 1000;
        var pollMs = options.Int("poll-ms", 1);
        var probeTimeout = options.Double("probe-timeout", 30);
        var tracePath = options.Get("trace", "");
        var end = warmup + seconds;
        var interval = batchSize / rate;
        var probeCount = (int)Math.Ceiling(end / probeEvery);
        if (probeCount > probePatients)
        {
            throw new BenchException($"{probeCount} probes need as many probe patients; setup made {probePatients} (--probes)");
        }

        var tag = $"l{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))}";
        using var background = VigilHttp.Create(key, connections, TimeSpan.FromSeconds(60));
        using var probes = VigilHttp.Create(key, 64, TimeSpan.FromSeconds(60));
        var failures = new Failures();
        var clock = Stopwatch.StartNew();

        async Task<BackgroundResult> Background(int worker)
        {
            var result = new BackgroundResult();
            var random = new Random(worker);
            for (long k = worker; ; k += connections)
            {
                var due = k * interval;
                if (due >= end)
                {
                    return result;
                }

                var wait = due - clock.Elapsed.TotalSeconds;
                if (wait > 0)
                {
                    await Task.Delay(TimeSpan.FromSeconds(wait));
                }

                var started = clock.Elapsed.TotalSeconds;
                if (started >= end)
                {
                    return result;
                }

                using var content = new StringContent(NormalBatch(tag, k, batchSize, patients, random), Encoding.UTF8, "application/json");
                using var response = await background.PostAsync(url, content);
                var body = await response.Content.ReadAsByteArrayAsync();
                var finished = clock.Elapsed.TotalSeconds;
                if (!failures.Check(() => VigilHttp.RequireAccepted(url, response.StatusCode, body, batchSize)))
                {
                    continue;
                }

                // Batches due in the measured window count; one sent too late to start before its end is missing.
                if (due >= warmup)
                {
                    result.Readings += batchSize;
                    result.Posts++;
                    result.LatencyMs.Add((finished - started) * 1000);
                    result.BehindMs.Add(Math.Max(0, started - due) * 1000);
                    result.Trace.Add((started, (finished - started) * 1000, Math.Max(0, started - due) * 1000));
                }
            }
        }

        async Task<ProbeResult?> Probe(int n)
        {
            var patient = Setup.ProbePatientId(n);
            var reading = string.Create(CultureInfo.InvariantCulture,
                $"[{{\"id\":\"{tag}-probe-{n}\",\"patientId\":\"{patient}\",\"type\":\"heart_rate\",\"value\":180,\"observedAt\":\"{Now()}\"}}]");
            var query = new Uri(baseUrl, $"/api/v1/alerts?patientId={patient}&rule={Uri.EscapeDataString(Rule)}");
            var started = clock.Elapsed.TotalSeconds;
            using (var content = new StringContent(reading, Encoding.UTF8, "application/json"))
            using (var response = await probes.PostAsync(url, content))
            {
                var body = await response.Content.ReadAsByteArrayAsync();
                if (!failures.Check(() => VigilHttp.RequireAccepted(url, response.StatusCode, body, 1)))
                {
                    return null;
                }
            }

            var acknowledged = clock.Elapsed.TotalSeconds;
            for (var polls = 1; ; polls++)
            {
                using var response = await probes.GetAsync(query);
                var body = await response.Content.ReadAsByteArrayAsync();
                var seen = clock.Elapsed.TotalSeconds;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"GET {query} answered {(int)response.StatusCode}: {VigilHttp.Truncate(Encoding.UTF8.GetString(body))}");
                    return null;
                }

                if (HasActiveAlert(body))
                {
                    return started >= warmup && started < end
                        ? new ProbeResult(started, (seen - started) * 1000, (acknowledged - started) * 1000, polls)
                        : null;
                }

                if (seen - started > probeTimeout)
                {
                    failures.Add($"no alert for {patient} {probeTimeout} s after its breaching reading");
                    return null;
                }

                if (pollMs > 0)
                {
                    await Task.Delay(pollMs);
                }
            }
        }

        var workers = Enumerable.Range(0, connections).Select(w => Task.Run(() => Background(w))).ToArray();
        var running = new List<Task<ProbeResult?>>(probeCount);
        for (var n = 0; n < probeCount; n++)
        {
            var wait = n * probeEvery - clock.Elapsed.TotalSeconds;
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(wait));
            }

            var probe = n;
            running.Add(Task.Run(() => Probe(probe)));
        }

        try
        {
            await Task.WhenAll(workers);
            await Task.WhenAll(running);
        }
        catch (Exception)
        {
            throw VigilHttp.FirstFailure([.. workers, .. running], "a request");
        }

        var bg = workers.Select(w => w.Result).ToList();
        var bgLatency = bg.SelectMany(b => b.LatencyMs).Order().ToList();
        var behind = bg.SelectMany(b => b.BehindMs).Order().ToList();
        var measured = running.Select(t => t.Result).OfType<ProbeResult>().ToList();
        var latency = measured.Select(p => p.LatencyMs).Order().ToList();
        var post = measured.Select(p => p.PostMs).Order().ToList();
        if (latency.Count == 0)
        {
            throw new BenchException(failures.Count > 0 ? failures.First! : "no probe completed in the measured window");
        }

        if (tracePath.Length > 0)
        {
            await WriteTraceAsync(tracePath, clock, measured, bg);
        }

        Report.Line("e2e-latency",
            ("rate", rate), ("batch", batchSize), ("connections", connections), ("seconds", seconds),
            ("background_readings", bg.Sum(b => b.Readings)), ("background_per_s", bg.Sum(b => b.Readings) / seconds),
            ("background_post_p50_ms", Percentiles.Of(bgLatency, 50)), ("background_post_p99_ms", Percentiles.Of(bgLatency, 99)),
            ("behind_p99_ms", Percentiles.Of(behind, 99)), ("behind_max_ms", behind.Count == 0 ? 0 : behind[^1]),
            ("probes", latency.Count), ("p50_ms", Percentiles.Of(latency, 50)), ("p90_ms", Percentiles.Of(latency, 90)),
            ("p99_ms", Percentiles.Of(latency, 99)), ("max_ms", latency[^1]),
            ("probe_post_p50_ms", Percentiles.Of(post, 50)), ("probe_post_p99_ms", Percentiles.Of(post, 99)),
            ("polls_per_probe", measured.Average(p => p.Polls)), ("poll_ms", pollMs), ("failures", failures.Count));
        if (failures.Count > 0)
        {
            throw new BenchException($"{failures.Count} requests failed; the first: {failures.First}");
        }

        return 0;
    }

    /// <summary>
    /// Every measured probe and background POST by start time (seconds since the run began, and as Unix time so it lines
    /// up with server-side traces): "probe at unix latency_ms post_ms polls" and "post at unix ms behind_ms".
    /// </summary>
    private static async Task WriteTraceAsync(string path, Stopwatch clock, List<ProbeResult> probes, List<BackgroundResult> background)
    {
        var origin = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - clock.Elapsed.TotalSeconds;
        var lines = probes.Select(p => (p.At, Line: FormattableString.Invariant(
                $"probe {p.At:0.0000} {origin + p.At:0.0000} {p.LatencyMs:0.000} {p.PostMs:0.000} {p.Polls}")))
            .Concat(background.SelectMany(b => b.Trace).Select(t => (t.At, Line: FormattableString.Invariant(
                $"post {t.At:0.0000} {origin + t.At:0.0000} {t.Ms:0.000} {t.BehindMs:0.000}"))))
            .OrderBy(l => l.At)
            .Select(l => l.Line);
        await File.WriteAllLinesAsync(path, lines);
    }

    private static string Now() => DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A batch of normal heart rates (60-100, inside the built-in 41-130 limits) observed now, with unique ids.</summary>
    private static string NormalBatch(string tag, long batch, int size, int patients, Random random)
    {
        var now = Now();
        var json = new StringBuilder(size * 128).Append('[');
        for (var i = 0; i < size; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(CultureInfo.InvariantCulture,
                $"{{\"id\":\"{tag}-{batch}-{i}\",\"patientId\":\"{ReadingBatch.PatientId(random.Next(patients))}\",\"type\":\"heart_rate\",\"value\":{random.Next(60, 101)},\"observedAt\":\"{now}\"}}");
        }

        return json.Append(']').ToString();
    }

    private static bool HasActiveAlert(byte[] body)
    {
        using var page = JsonDocument.Parse(body);
        foreach (var alert in page.RootElement.GetProperty("items").EnumerateArray())
        {
            if (alert.GetProperty("rule").GetString() == Rule && alert.GetProperty("status").GetString() == "active")
            {
                return true;
            }
        }

        return false;
    }

    private sealed record ProbeResult(double At, double LatencyMs, double PostMs, int Polls);

    private sealed class BackgroundResult
    {
        public long Readings { get; set; }

        public long Posts { get; set; }

        public List<double> LatencyMs { get; } = [];

        public List<double> BehindMs { get; } = [];

        public List<(double At, double Ms, double BehindMs)> Trace { get; } = [];
    }

    /// <summary>Failed answers, counted and kept (the first) so the run can still report what it measured.</summary>
    private sealed class Failures
    {
        private readonly Lock _lock = new();
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public string? First { get; private set; }

        public void Add(string message)
        {
            lock (_lock)
            {
                _count++;
                First ??= message;
            }
        }

        public bool Check(Action check)
        {
            try
            {
                check();
                return true;
            }
            catch (BenchException e)
            {
                Add(e.Message);
                return false;
            }
        }
    }
}

using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Vigil.Bench;

/// <summary>
/// Batched ingest load: <c>--clients</c> concurrent loops, each with its own connection, POSTing pre-serialized
/// batches of <c>--batch</c> readings with unique ids to /api/v1/readings for <c>--warmup</c> + <c>--seconds</c>.
/// Only 202s whose body says every reading was accepted (no duplicates) are counted; any other answer stops the run
/// with the status and body. Requests completing inside the measured window are counted.
/// </summary>
public static class HttpLoad
{
    public static async Task<int> RunAsync(Options options)
    {
        var url = new Uri(new Uri(options.Get("url")), "/api/v1/readings");
        if (!IPAddress.TryParse(url.Host, out var ip) || !IPAddress.IsLoopback(ip))
        {
            throw new BenchException($"{url.Host} is not a loopback address: the benchmark only sends traffic to 127.0.0.1");
        }

        var key = (await File.ReadAllTextAsync(options.Get("key-file"))).Trim();
        var clients = options.Int("clients", 4);
        var seconds = options.Double("seconds", 20);
        var warmup = options.Double("warmup", 5);
        var batchSize = options.Int("batch", 1000);
        var patients = options.Int("patients", 200);
        var tag = $"h{clients}x{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))}";
        var batch = new ReadingBatch(tag, batchSize, patients, seed: 7);

        using var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = clients,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        using var http = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var contentType = new MediaTypeHeaderValue("application/json");

        using var stop = new CancellationTokenSource();
        long nextBatch = 0;
        var clock = Stopwatch.StartNew();
        var end = warmup + seconds;
        var results = new ClientResult[clients];

        async Task Client(int n)
        {
            var result = results[n] = new ClientResult();
            var buffer = new byte[batch.Length];
            while (!stop.IsCancellationRequested)
            {
                var started = clock.Elapsed.TotalSeconds;
                if (started >= end)
                {
                    return;
                }

                batch.Fill(buffer, Interlocked.Increment(ref nextBatch) * batchSize);
                using var content = new ByteArrayContent(buffer);
                content.Headers.ContentType = contentType;
                using var response = await http.PostAsync(url, content, stop.Token);
                var body = await response.Content.ReadAsByteArrayAsync(stop.Token);
                var finished = clock.Elapsed.TotalSeconds;
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    throw new BenchException($"POST {url} answered {(int)response.StatusCode}: {Truncate(Encoding.UTF8.GetString(body))}");
                }

                var (accepted, duplicates) = ReadCounts(body);
                if (accepted != batchSize || duplicates != 0)
                {
                    throw new BenchException($"202 with accepted={accepted} duplicates={duplicates}, expected accepted={batchSize}");
                }

                result.Total++;
                if (started >= warmup && finished <= end)
                {
                    result.Requests++;
                    result.LatencyMs.Add((finished - started) * 1000);
                }
            }
        }

        var tasks = Enumerable.Range(0, clients).Select(n => Task.Run(() => Client(n))).ToArray();
        try
        {
            await Task.WhenAll(tasks);
        }
        catch (Exception)
        {
            await stop.CancelAsync();
            var failure = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault();
            throw failure switch
            {
                BenchException b => b,
                HttpRequestException h => new BenchException($"POST {url} failed: {h.Message}"),
                TaskCanceledException => new BenchException($"POST {url} timed out"),
                { } other => new BenchException($"POST {url} failed: {other}"),
                _ => new BenchException("a client failed"),
            };
        }

        var latencies = results.SelectMany(r => r.LatencyMs).ToList();
        latencies.Sort();
        var requests = results.Sum(r => r.Requests);
        if (requests == 0)
        {
            throw new BenchException("no request completed in the measured window");
        }

        Report.Line("http",
            ("clients", clients), ("batch", batchSize), ("seconds", seconds), ("requests", requests), ("readings", requests * batchSize),
            ("readings_per_s", requests * batchSize / seconds), ("requests_per_s", requests / seconds),
            ("p50_ms", Percentiles.Of(latencies, 50)), ("p99_ms", Percentiles.Of(latencies, 99)), ("max_ms", latencies[^1]),
            ("total_acked_readings", results.Sum(r => r.Total) * batchSize), ("body_bytes", batch.Length));
        return 0;
    }

    /// <summary>"accepted" and "duplicates" of the 202 body (Vigil's IngestRequest.Response, camelCase).</summary>
    private static (long Accepted, long Duplicates) ReadCounts(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        long accepted = -1, duplicates = -1;
        try
        {
            while (reader.Read() && (accepted < 0 || duplicates < 0))
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var name = reader.GetString();
                    reader.Read();
                    if (name == "accepted")
                    {
                        accepted = reader.GetInt64();
                    }
                    else if (name == "duplicates")
                    {
                        duplicates = reader.GetInt64();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException e)
        {
            throw new BenchException($"the 202 body is not the expected JSON: {e.Message}");
        }

        return (accepted, duplicates);
    }

    private static string Truncate(string s) => s.Length <= 2000 ? s : s[..2000] + "...";

    private sealed class ClientResult
    {
        public long Requests { get; set; }

        public long Total { get; set; }

        public List<double> LatencyMs { get; } = [];
    }
}

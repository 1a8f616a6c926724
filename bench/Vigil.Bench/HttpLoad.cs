using System.Net.Http.Headers;

namespace Vigil.Bench;

/// <summary>
/// Batched ingest load: <c>--clients</c> concurrent loops, each with its own connection, POSTing pre-serialized
/// batches of <c>--batch</c> readings with unique ids to /api/v1/readings for <c>--warmup</c> + <c>--seconds</c>.
/// Only 202s whose body says every reading was accepted (no duplicates) are counted; any other answer stops the run
/// with the status and body. Requests completing inside the measured window are counted. With <c>--format fhir</c> the
/// same readings go to <c>POST /fhir</c> as transaction Bundles of Observations, counted on a 200 whose
/// transaction-response has a <c>201 Created</c> for every entry.
/// </summary>
public static class HttpLoad
{
    public static async Task<int> RunAsync(Options options)
    {
        var fhir = options.Get("format", "json") switch
        {
            "json" => false,
            "fhir" => true,
            var other => throw new BenchException($"--format {other}: json or fhir"),
        };
        var url = fhir ? new Uri(VigilHttp.Loopback(options.Get("url")), "/fhir") : VigilHttp.ReadingsUrl(options.Get("url"));
        var key = await VigilHttp.ReadKeyAsync(options);
        var clients = options.Int("clients", 4);
        var seconds = options.Double("seconds", 20);
        var warmup = options.Double("warmup", 5);
        var batchSize = options.Int("batch", 1000);
        var patients = options.Int("patients", 200);
        var tag = $"{(fhir ? "f" : "h")}{clients}x{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))}";
        var batch = new ReadingBatch(tag, batchSize, patients, seed: 7, fhir ? ReadingBatch.Format.FhirTransaction : ReadingBatch.Format.Json);

        using var http = VigilHttp.Create(key, clients, TimeSpan.FromSeconds(60));
        var contentType = new MediaTypeHeaderValue(fhir ? "application/fhir+json" : "application/json");

        long nextBatch = 0;
        var run = await ClosedLoop.RunAsync(clients, warmup, seconds, $"POST {url}", _ =>
        {
            var buffer = new byte[batch.Length];
            return async cancellationToken =>
            {
                batch.Fill(buffer, Interlocked.Increment(ref nextBatch) * batchSize);
                using var content = new ByteArrayContent(buffer);
                content.Headers.ContentType = contentType;
                using var response = await http.PostAsync(url, content, cancellationToken);
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
                if (fhir)
                {
                    VigilHttp.RequireCreatedEntries(url, response.StatusCode, body, batchSize);
                }
                else
                {
                    VigilHttp.RequireAccepted(url, response.StatusCode, body, batchSize);
                }
            };
        });
        var (requests, latencies) = (run.Measured, run.LatencyMs);
        if (requests == 0)
        {
            throw new BenchException("no request completed in the measured window");
        }

        Report.Line(fhir ? "fhir" : "http",
            ("clients", clients), ("batch", batchSize), ("seconds", seconds), ("requests", requests), ("readings", requests * batchSize),
            ("readings_per_s", requests * batchSize / seconds), ("requests_per_s", requests / seconds),
            ("p50_ms", Percentiles.Of(latencies, 50)), ("p99_ms", Percentiles.Of(latencies, 99)), ("max_ms", latencies[^1]),
            ("total_acked_readings", run.Total * batchSize), ("body_bytes", batch.Length));
        return 0;
    }
}

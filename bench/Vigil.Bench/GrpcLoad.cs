using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Vigil.Grpc.V1;

namespace Vigil.Bench;

/// <summary>
/// Streaming gRPC ingest load: <c>--clients</c> concurrent loops, each on its own HTTP/2 connection, each running
/// <c>vigil.v1.IngestService/Ingest</c> client streams of <c>--stream-readings</c> readings (unique ids, heart rates of
/// the patient pool) in messages of <c>--per-message</c> readings, for <c>--warmup</c> + <c>--seconds</c>. A stream counts
/// once its answer (sent by the server only when every reading is durable) says all were accepted; any other answer
/// stops the run. As for the HTTP load, streams started and finished inside the measured window are counted.
/// </summary>
public static class GrpcLoad
{
    public static async Task<int> RunAsync(Options options)
    {
        var target = VigilHttp.Loopback(options.Get("url"));
        var key = await VigilHttp.ReadKeyAsync(options);
        var clients = options.Int("clients", 4);
        var seconds = options.Double("seconds", 20);
        var warmup = options.Double("warmup", 5);
        var streamReadings = options.Int("stream-readings", 20_000);
        var perMessage = options.Int("per-message", 100);
        var patients = options.Int("patients", 200);
        var tag = $"g{clients}x{perMessage}x{Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()))}";
        var url = new Uri(target, "/vigil.v1.IngestService/Ingest");

        long nextStream = 0;
        var connections = new List<HttpClient>();
        var run = await ClosedLoop.RunAsync(clients, warmup, seconds, $"gRPC Ingest {url}", n =>
        {
            // Each loop its own HTTP/2 connection, as separate devices or gateways would have.
            var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromMinutes(5) };
            lock (connections)
            {
                connections.Add(http);
            }

            var random = new Random(n);
            return cancellationToken => StreamAsync(http, url, key, tag, Interlocked.Increment(ref nextStream) * streamReadings, streamReadings, perMessage,
                patients, random, cancellationToken);
        });
        connections.ForEach(c => c.Dispose());
        var (streams, latencies) = (run.Measured, run.LatencyMs);
        if (streams == 0)
        {
            throw new BenchException("no stream completed in the measured window: lower --stream-readings or raise --seconds");
        }

        Report.Line("grpc",
            ("clients", clients), ("per_message", perMessage), ("stream_readings", streamReadings), ("seconds", seconds), ("streams", streams),
            ("readings", streams * streamReadings), ("readings_per_s", streams * streamReadings / seconds),
            ("stream_p50_ms", Percentiles.Of(latencies, 50)), ("stream_max_ms", latencies[^1]),
            ("total_acked_readings", run.Total * streamReadings));
        return 0;
    }

    /// <summary>One client stream of <paramref name="count"/> readings; throws unless its answer says all were accepted.</summary>
    private static async Task StreamAsync(
        HttpClient http, Uri url, string key, string tag, long first, int count, int perMessage, int patients, Random random, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new FramesContent(output => WriteStreamAsync(output, tag, first, count, perMessage, patients, random, cancellationToken)),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.Add("x-api-key", key);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var t) ? t.Single()
            : response.Headers.TryGetValues("grpc-status", out var h) ? h.Single() : "none";
        var message = response.TrailingHeaders.TryGetValues("grpc-message", out var m) ? m.Single()
            : response.Headers.TryGetValues("grpc-message", out var hm) ? hm.Single() : "";
        if (response.StatusCode != HttpStatusCode.OK || status != "0" || body.Length < 5)
        {
            throw new BenchException($"Ingest answered HTTP {(int)response.StatusCode}, grpc-status {status}: {Uri.UnescapeDataString(message)}");
        }

        var answer = IngestStreamResponse.Parser.ParseFrom(body.AsSpan(5, (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1))));
        if (answer.Accepted != count || answer.Duplicates != 0)
        {
            throw new BenchException($"a stream of {count} readings answered accepted={answer.Accepted}, duplicates={answer.Duplicates}");
        }
    }

    /// <summary>Writes one stream's messages as gRPC frames (uncompressed, 5-byte prefix), flushing every message.</summary>
    private static async Task WriteStreamAsync(
        Stream output, string tag, long first, int count, int perMessage, int patients, Random random, CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        var header = new byte[5];
        for (var i = 0; i < count; i += perMessage)
        {
            var batch = new Vigil.Grpc.V1.ReadingBatch();
            for (var j = i; j < Math.Min(i + perMessage, count); j++)
            {
                batch.Readings.Add(new Reading
                {
                    Id = $"{tag}-{first + j}",
                    PatientId = ReadingBatch.PatientId(random.Next(patients)),
                    Type = "heart_rate",
                    Number = random.Next(60, 101),
                    ObservedAt = ReadingBatch.ObservedAt(now, random).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                });
            }

            var message = batch.Readings.Count == 1 ? new IngestMessage { Reading = batch.Readings[0] } : new IngestMessage { Batch = batch };
            var bytes = message.ToByteArray();
            BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)bytes.Length);
            await output.WriteAsync(header, cancellationToken);
            await output.WriteAsync(bytes, cancellationToken);
        }
    }

    /// <summary>A request body written as it is sent: the client stream.</summary>
    private sealed class FramesContent(Func<Stream, Task> write) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => write(stream);

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}

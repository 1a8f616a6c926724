using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Vigil.Grpc;

/// <summary>
/// A unary gRPC call over HTTP/2 (PROTOCOL-HTTP2.md), for Vigil's own clients such as <c>vigil simulate</c>: Grpc.Net.Client
/// is not available here (docs/packages.md). <paramref name="http"/> must allow HTTP/2 without TLS for an <c>http://</c>
/// address (prior knowledge, h2c) or negotiate it over TLS for <c>https://</c>; requests are HTTP/2 only.
/// </summary>
public sealed class GrpcClient(HttpClient http, Uri address, IReadOnlyDictionary<string, string> metadata)
{
    /// <summary>The answer of one call: its status, message, and the response when the status is OK.</summary>
    public sealed record Result<TResponse>(GrpcStatusCode Status, string Message, TResponse? Response)
        where TResponse : class;

    /// <summary>Calls <c>/{service}/{method}</c> with <paramref name="request"/>; a transport failure is an <see cref="HttpRequestException"/>.</summary>
    public async Task<Result<TResponse>> UnaryAsync<TResponse>(
        string service, string method, IMessage request, MessageParser<TResponse> parser, TimeSpan deadline, CancellationToken cancellationToken)
        where TResponse : class, IMessage<TResponse>
    {
        var payload = request.ToByteArray();
        var frame = new byte[5 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(address, $"/{service}/{method}"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        message.Headers.TryAddWithoutValidation("te", "trailers");
        message.Headers.TryAddWithoutValidation("grpc-timeout", $"{Math.Max(1, (long)deadline.TotalMilliseconds)}m");
        foreach (var (name, value) in metadata)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var response = await http.SendAsync(message, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            return new(GrpcStatusCode.Unavailable, $"HTTP {(int)response.StatusCode} from the gRPC endpoint", null);
        }

        // A call that fails before any message puts its status in the headers (a trailers-only answer).
        var status = Header(response, "grpc-status");
        var text = Uri.UnescapeDataString(Header(response, "grpc-message") ?? "");
        if (status is null || !int.TryParse(status, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return new(GrpcStatusCode.Internal, "the answer carried no grpc-status", null);
        }

        if (code != 0)
        {
            return new((GrpcStatusCode)code, text, null);
        }

        if (body.Length < 5 || body[0] != 0 || BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1)) != body.Length - 5)
        {
            return new(GrpcStatusCode.Internal, "the answer is not one uncompressed message", null);
        }

        return new(GrpcStatusCode.Ok, text, parser.ParseFrom(body.AsSpan(5)));
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.First()
        : response.Headers.TryGetValues(name, out var header) ? header.First() : null;
}

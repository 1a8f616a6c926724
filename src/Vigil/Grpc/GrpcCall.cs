using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.IO.Pipelines;
using Google.Protobuf;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Vigil.Domain;
using Vigil.Security;
using Vigil.Storage.Writes;

namespace Vigil.Grpc;

/// <summary>
/// One gRPC call over HTTP/2 (grpc/doc/PROTOCOL-HTTP2.md): length-prefixed messages both ways (a compressed flag, a
/// 4-byte big-endian length), gzip or identity per grpc-encoding, the grpc-timeout deadline, and the status in the
/// trailers (or, before any message, in the headers: a trailers-only response).
/// </summary>
internal sealed class GrpcCall : IDisposable
{
    private const string ContentType = "application/grpc";
    private readonly HttpContext _http;
    private readonly PipeReader _input;
    private readonly long _maxMessageBytes;
    private readonly bool _gzip;
    private readonly CancellationTokenSource _cancel;
    private readonly Security.RateLimits.StreamMessageRate? _messageRate;
    private bool _deadlinePassed;

    private GrpcCall(HttpContext http, long maxMessageBytes, bool gzip, TimeSpan? timeout, int messagesPerSecond = 0)
    {
        _messageRate = messagesPerSecond > 0 ? new Security.RateLimits.StreamMessageRate(messagesPerSecond) : null;
        _http = http;
        _input = http.Request.BodyReader;
        _maxMessageBytes = maxMessageBytes;
        _gzip = gzip;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        // A deadline beyond what a timer takes (about 49 days) is no deadline.
        if (timeout is { } t && t < TimeSpan.FromDays(30))
        {
            _cancel.Token.Register(() => _deadlinePassed = !http.RequestAborted.IsCancellationRequested);
            _cancel.CancelAfter(t);
        }
    }

    public void Dispose() => _cancel.Dispose();

    /// <summary>Cancelled when the client goes away or the call's deadline passes.</summary>
    public CancellationToken Cancelled => _cancel.Token;

    public Caller Caller => Caller.From(_http.User);

    public HttpContext Http => _http;

    /// <summary>
    /// Runs a call: checks the request, authenticates and authorizes the caller (<paramref name="policy"/>, the HTTP
    /// API's policies; null checks nothing), runs <paramref name="handle"/> and ends with its status. Vigil's errors become gRPC statuses.
    /// </summary>
    public static async Task RunAsync(HttpContext http, string? policy, long maxMessageBytes, Func<GrpcCall, Task> handle, int messagesPerSecond = 0)
    {
        var request = http.Request;
        if (request.ContentType is not { } type || !(type == ContentType || type.StartsWith(ContentType + "+", StringComparison.Ordinal)
                                                    || type.StartsWith(ContentType + ";", StringComparison.Ordinal)))
        {
            // Not a gRPC request at all: the protocol answers 415 without a gRPC status.
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            // gRPC needs HTTP/2's trailers and streams.
            http.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return;
        }

        // A client stream is long-lived and may pause between messages: Kestrel's limits on a whole request body and
        // its minimum data rate would cut it off. Each message is limited on its own instead (ReadAsync).
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        if (http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate)
        {
            minRate.MinDataRate = null;
        }

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = ContentType;
        http.Response.Headers["grpc-accept-encoding"] = "identity,gzip";
        var encoding = request.Headers["grpc-encoding"].ToString();
        if (encoding is not ("" or "identity" or "gzip"))
        {
            await FinishAsync(http, GrpcStatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported; use identity or gzip", null, null);
            return;
        }

        var timeout = ParseTimeout(request.Headers["grpc-timeout"].ToString());
        using var call = new GrpcCall(http, maxMessageBytes, encoding == "gzip", timeout, messagesPerSecond);
        GrpcStatusCode code;
        string? message = null;
        IReadOnlyDictionary<string, string>? trailers = null;
        IReadOnlyList<FieldViolation>? violations = null;
        try
        {
            if (policy is not null)
            {
                await call.AuthorizeAsync(policy);
            }

            await handle(call);
            code = GrpcStatusCode.Ok;
        }
        catch (Exception e) when (e is GrpcException or RejectedException)
        {
            var g = e as GrpcException ?? Refusal(CodeOf((RejectedException)e), (RejectedException)e);
            (code, message, trailers, violations) = (g.Code, g.Message, g.Trailers, g.Violations);
        }
        catch (InvalidProtocolBufferException e)
        {
            (code, message) = (GrpcStatusCode.InvalidArgument, "the request message is not valid protobuf: " + e.Message);
        }
        catch (StorageUnavailableException)
        {
            (code, message) = (GrpcStatusCode.Unavailable, "The write could not be made durable and was not stored; retry.");
        }
        catch (Exception) when (call._deadlinePassed)
        {
            // However the cancellation surfaced (a driver's own exception for an interrupted query, say), the call
            // ended because its deadline passed.
            (code, message) = (GrpcStatusCode.DeadlineExceeded, "the deadline passed before the call finished");
        }
        catch (Exception) when (http.RequestAborted.IsCancellationRequested)
        {
            // The client cancelled or went away: there is no one to answer.
            return;
        }
        catch (Exception e)
        {
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Vigil.Grpc").LogError(e, "Unhandled error on {Path}", request.Path);
            (code, message) = (GrpcStatusCode.Internal, "Vigil could not handle this call; the error is logged.");
        }

        await FinishAsync(http, code, message, trailers, violations);
    }

    /// <summary>
    /// A refusal as a gRPC error: one line naming each field in the proto's spelling with its reason, and the same as
    /// violations. An item's index counts from <paramref name="offset"/>: a batch's readings are <c>readings[i]</c>, a
    /// stream's "reading i of the stream" (its violations' paths count from the stream's start as well).
    /// </summary>
    public static GrpcException Refusal(
        GrpcStatusCode code, RejectedException e, long offset = 0, bool stream = false, string suffix = "", IReadOnlyDictionary<string, string>? trailers = null)
    {
        if (e.Errors.Count == 0)
        {
            return new GrpcException(code, e.Message + suffix, trailers);
        }

        const int Shown = 10;
        var violations = e.Errors.Select(x => new FieldViolation((x.Index is { } i ? $"readings[{offset + i}]." : "") + ProtoName(x.Field), x.Reason)).ToList();
        var parts = e.Errors.Take(Shown).Select(x => x.Index is { } i
            ? (stream ? $"reading {offset + i} of the stream: " : $"readings[{offset + i}].") + ProtoName(x.Field) + " " + x.Reason
            : ProtoName(x.Field) + " " + x.Reason);
        var more = e.Errors.Count > Shown ? $"; and {e.Errors.Count - Shown} more" : "";
        return new GrpcException(code, string.Join("; ", parts) + more + suffix, trailers, violations);
    }

    /// <summary>The gRPC status of a refusal's kind.</summary>
    public static GrpcStatusCode CodeOf(RejectedException e) => e.Kind switch
    {
        RejectionKind.NotFound => GrpcStatusCode.NotFound,
        RejectionKind.Conflict => GrpcStatusCode.AlreadyExists,
        _ => GrpcStatusCode.InvalidArgument,
    };

    /// <summary>patientId as the proto names it: patient_id.</summary>
    public static string ProtoName(string field) =>
        string.Concat(field.Select(c => char.IsUpper(c) ? "_" + char.ToLowerInvariant(c) : c.ToString()));

    private async Task AuthorizeAsync(string policy)
    {
        if (_http.User.Identity?.IsAuthenticated != true)
        {
            throw new GrpcException(GrpcStatusCode.Unauthenticated, $"Send a valid API key in the {ApiKeyAuthenticationHandler.Header.ToLowerInvariant()} metadata or a bearer token in authorization.");
        }

        var authorization = _http.RequestServices.GetRequiredService<IAuthorizationService>();
        if (!(await authorization.AuthorizeAsync(_http.User, null, policy)).Succeeded)
        {
            throw new GrpcException(GrpcStatusCode.PermissionDenied, "This key's role may not do this.");
        }
    }

    /// <summary>One token of the stream's message rate, or RESOURCE_EXHAUSTED (the call ends; the client may retry later).</summary>
    private void TakeMessageToken()
    {
        if (_messageRate is { } rate && !rate.TryTake())
        {
            throw new GrpcException(GrpcStatusCode.ResourceExhausted,
                $"more than {rate.PerSecond} messages per second on this stream (Vigil:Grpc:MessagesPerSecondPerStream); send them more slowly");
        }
    }

    /// <summary>The next message of the request stream, or null at its end.</summary>
    public async Task<T?> ReadAsync<T>(MessageParser<T> parser) where T : class, IMessage<T>
    {
        var header = new byte[5];
        while (true)
        {
            var result = await _input.ReadAsync(Cancelled);
            var buffer = result.Buffer;
            if (buffer.Length >= 5)
            {
                buffer.Slice(0, 5).CopyTo(header);
                var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
                if (length > _maxMessageBytes)
                {
                    throw new GrpcException(GrpcStatusCode.ResourceExhausted,
                        $"a message of {length} bytes is over the limit of {_maxMessageBytes} bytes (Vigil:MaxBodyBytes)");
                }

                if (buffer.Length >= 5 + length)
                {
                    TakeMessageToken();
                    var body = buffer.Slice(5, length);
                    T message;
                    try
                    {
                        message = header[0] switch
                        {
                            0 => parser.ParseFrom(body),
                            1 when _gzip => Decompress(parser, body),
                            1 => throw new GrpcException(GrpcStatusCode.Internal, "a compressed message arrived without a grpc-encoding"),
                            _ => throw new GrpcException(GrpcStatusCode.Internal, $"the message flag {header[0]} is not 0 or 1"),
                        };
                    }
                    finally
                    {
                        _input.AdvanceTo(buffer.GetPosition(5 + length));
                    }

                    return message;
                }
            }

            if (result.IsCompleted)
            {
                _input.AdvanceTo(buffer.End);
                return buffer.Length == 0 ? null : throw new GrpcException(GrpcStatusCode.Internal, "the request ended inside a message");
            }

            _input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private T Decompress<T>(MessageParser<T> parser, ReadOnlySequence<byte> body) where T : IMessage<T>
    {
        using var gzip = new GZipStream(new MemoryStream(body.ToArray()), CompressionMode.Decompress);
        using var plain = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = gzip.Read(chunk)) > 0)
        {
            plain.Write(chunk, 0, n);
            if (plain.Length > _maxMessageBytes)
            {
                throw new GrpcException(GrpcStatusCode.ResourceExhausted, $"a message is over the limit of {_maxMessageBytes} bytes once decompressed");
            }
        }

        plain.Position = 0;
        return parser.ParseFrom(plain);
    }

    /// <summary>Sends one response message (uncompressed) and flushes it to the client.</summary>
    public async Task WriteAsync(IMessage message)
    {
        var size = message.CalculateSize();
        var output = _http.Response.BodyWriter;
        var span = output.GetSpan(5 + size);
        span[0] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(span[1..], (uint)size);
        message.WriteTo(span.Slice(5, size));
        output.Advance(5 + size);
        await output.FlushAsync(Cancelled);
    }

    private static async Task FinishAsync(
        HttpContext http, GrpcStatusCode code, string? message, IReadOnlyDictionary<string, string>? trailers, IReadOnlyList<FieldViolation>? violations)
    {
        var status = new Dictionary<string, string> { ["grpc-status"] = ((int)code).ToString(CultureInfo.InvariantCulture) };
        if (message is not null)
        {
            status["grpc-message"] = GrpcMessage.Encode(message);
        }

        if (violations is { Count: > 0 })
        {
            status["grpc-status-details-bin"] = StatusDetails(code, message, violations);
        }

        foreach (var (key, value) in trailers ?? new Dictionary<string, string>())
        {
            status[key] = value;
        }

        if (!http.Response.HasStarted)
        {
            // Trailers-only: the status travels in the one HEADERS frame that ends the stream.
            foreach (var (key, value) in status)
            {
                http.Response.Headers[key] = value;
            }

            await http.Response.CompleteAsync();
            return;
        }

        foreach (var (key, value) in status)
        {
            http.Response.AppendTrailer(key, value);
        }
    }

    /// <summary>google.rpc.Status with a google.rpc.BadRequest, base64 without padding as binary metadata is sent.</summary>
    private static string StatusDetails(GrpcStatusCode code, string? message, IReadOnlyList<FieldViolation> violations)
    {
        var badRequest = new Rpc.BadRequest();
        badRequest.FieldViolations.AddRange(violations.Select(v => new Rpc.BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description }));
        var details = new Rpc.Status { Code = (int)code, Message = message ?? "" };
        details.Details.Add(Google.Protobuf.WellKnownTypes.Any.Pack(badRequest));
        return Convert.ToBase64String(details.ToByteArray()).TrimEnd('=');
    }

    /// <summary>grpc-timeout: up to 8 digits and a unit (H, M, S, m, u, n); anything else means no deadline.</summary>
    internal static TimeSpan? ParseTimeout(string value)
    {
        if (value.Length is < 2 or > 9 || !long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            return null;
        }

        var ticks = value[^1] switch
        {
            'H' => n * TimeSpan.TicksPerHour,
            'M' => n * TimeSpan.TicksPerMinute,
            'S' => n * TimeSpan.TicksPerSecond,
            'm' => n * TimeSpan.TicksPerMillisecond,
            'u' => n * TimeSpan.TicksPerMicrosecond,
            'n' => n / 100,
            _ => -1L,
        };
        return ticks < 0 ? null : TimeSpan.FromTicks(Math.Max(ticks, 1));
    }
}

using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Options;

namespace Vigil.Hl7;

/// <summary>
/// The MLLP listener (HL7 v2 Minimal Lower Layer Protocol, HL7 v2.5 Appendix C): each message is framed as
/// <c>0x0B message 0x1C 0x0D</c> and answered on the same connection with its framed ACK before the next is read, so a
/// connection's messages are taken in order. Bytes outside a frame are discarded; a frame longer than
/// <see cref="Hl7Options.MaxMessageBytes"/> is answered AR and the connection closed without reading it whole; a
/// connection idle for <see cref="Hl7Options.IdleTimeout"/> is closed; past <see cref="Hl7Options.MaxConnections"/> a new
/// connection is closed at once. One connection's trouble never touches another's.
/// </summary>
public sealed class Hl7Listener(IOptions<Hl7Options> options, Hl7Intake intake, TimeProvider clock, ILogger<Hl7Listener> logger) : BackgroundService
{
    private const byte StartBlock = 0x0B;
    private const byte EndBlock = 0x1C;
    private const byte CarriageReturn = 0x0D;

    private readonly Hl7Options _options = options.Value;
    private readonly Security.RateLimits.MessageRateLimits _rates =
        new(options.Value.MaxMessagesPerConnection, options.Value.MaxMessagesPerAddress, options.Value.RateWindow);
    private readonly HashSet<Task> _connections = [];
    private Socket? _socket;
    private int _active;

    /// <summary>The port it listens on (the one picked when <see cref="Hl7Options.Port"/> is 0).</summary>
    public int Port { get; private set; }

    /// <summary>Connections being served now.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // Bound here rather than in ExecuteAsync: a port that is taken stops start-up instead of failing later, unseen.
        var address = IPAddress.Parse(_options.Address);
        _socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _socket.Bind(new IPEndPoint(address, _options.Port));
        _socket.Listen(128);
        Port = ((IPEndPoint)_socket.LocalEndPoint!).Port;
        logger.LogInformation("HL7 MLLP listener on {Address}:{Port}", _options.Address, Port);
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _socket!.AcceptAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (SocketException e)
            {
                logger.LogWarning(e, "HL7 listener could not accept a connection");
                continue;
            }

            if (Interlocked.Increment(ref _active) > _options.MaxConnections)
            {
                Interlocked.Decrement(ref _active);
                logger.LogWarning("HL7 connection from {Remote} closed: {Max} connections are open already", client.RemoteEndPoint, _options.MaxConnections);
                client.Dispose();
                continue;
            }

            var task = ServeAsync(client, stoppingToken);
            lock (_connections)
            {
                _connections.Add(task);
            }

            _ = task.ContinueWith(t =>
            {
                lock (_connections)
                {
                    _connections.Remove(t);
                }
            }, TaskScheduler.Default);
        }

        Task[] open;
        lock (_connections)
        {
            open = [.. _connections];
        }

        await Task.WhenAll(open);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Cancels the accept loop and every connection's read, waits for the connections, then releases the port.
        await base.StopAsync(cancellationToken);
        _socket?.Dispose();
        _rates.Dispose();
    }

    private async Task ServeAsync(Socket client, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var remote = IPAddress.None;
        PipeReader? reader = null;
        try
        {
            remote = ((IPEndPoint)client.RemoteEndPoint!).Address;
            await using var stream = new NetworkStream(client, ownsSocket: true);
            reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            using var rate = _rates.ForConnection();
            while (true)
            {
                idle.CancelAfter(_options.IdleTimeout);
                ReadResult read;
                try
                {
                    read = await reader.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                    logger.LogInformation("HL7 connection from {Remote} closed after {Idle} idle", remote, _options.IdleTimeout);
                    return;
                }

                var buffer = read.Buffer;
                var (frame, consumed, oversized) = NextFrame(buffer, _options.MaxMessageBytes);
                if (oversized)
                {
                    // Answer from what arrived (the MSH is at the start), then stop reading the frame and close.
                    var from = buffer.Slice(consumed);
                    var head = from.Slice(1, Math.Min(from.Length - 1, 4096));
                    var text = $"the message is longer than {_options.MaxMessageBytes} bytes";
                    await WriteAsync(stream, Hl7Ack.Build(Hl7Message.Parse(Encoding.UTF8.GetString(head)), Hl7Ack.Reject, text,
                        [new Hl7Error("MSH", 1, 0, Hl7ErrorCode.ApplicationInternalError, text)], clock.GetUtcNow()), stoppingToken);
                    logger.LogWarning("HL7 connection from {Remote} closed: {Reason}", remote, text);
                    reader.AdvanceTo(buffer.End);
                    await DiscardAsync(client, reader, idle, stoppingToken);
                    return;
                }

                if (frame is { } body)
                {
                    // A message being handled is finished and answered even when shutdown begins (the host bounds how long).
                    idle.CancelAfter(Timeout.InfiniteTimeSpan);
                    var ack = _rates.TryTake(rate, remote, out var reason, out var retryAfter)
                        ? await intake.HandleAsync(body, remote, CancellationToken.None)
                        : RateLimited(body, reason, retryAfter);
                    await WriteAsync(stream, ack, CancellationToken.None);
                    reader.AdvanceTo(consumed);
                    continue;
                }

                // No whole frame yet: keep the start of a frame, drop what came before it.
                reader.AdvanceTo(consumed, buffer.End);
                if (read.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            logger.LogDebug(e, "HL7 connection from {Remote} ended", remote);
        }
        catch (Exception e)
        {
            logger.LogError(e, "HL7 connection from {Remote} failed", remote);
        }
        finally
        {
            if (reader is not null)
            {
                await reader.CompleteAsync();
            }

            client.Dispose();
            Interlocked.Decrement(ref _active);
        }
    }

    /// <summary>A message over a rate limit: answered AR (not handled, nothing stored), so the sender sends it again later.</summary>
    private string RateLimited(string body, string reason, int retryAfterSeconds)
    {
        var text = $"rate limit: {reason}; send it again in {retryAfterSeconds} s";
        return Hl7Ack.Build(Hl7Message.Parse(body), Hl7Ack.Reject, text,
            [new Hl7Error("MSH", 1, 0, Hl7ErrorCode.ApplicationInternalError, text)], clock.GetUtcNow());
    }

    /// <summary>
    /// Finds the first whole frame in <paramref name="buffer"/>: its text, and the position after its end (and the CR
    /// that should follow). Without a whole frame, the position is the frame's start (or the end, when none has begun).
    /// </summary>
    internal static (string? Frame, SequencePosition Consumed, bool Oversized) NextFrame(ReadOnlySequence<byte> buffer, int max)
    {
        var start = buffer.PositionOf(StartBlock);
        if (start is null)
        {
            return (null, buffer.End, false);
        }

        var content = buffer.Slice(buffer.GetPosition(1, start.Value));
        var end = content.PositionOf(EndBlock);
        if (end is null)
        {
            return (null, start.Value, content.Length > max);
        }

        var body = content.Slice(0, end.Value);
        if (body.Length > max)
        {
            return (null, start.Value, true);
        }

        var after = content.Slice(end.Value).Slice(1);
        var consumed = after.Length > 0 && after.FirstSpan[0] == CarriageReturn ? after.GetPosition(1) : after.Start;
        return (Encoding.UTF8.GetString(body), consumed, false);
    }

    /// <summary>
    /// Closes our side, then reads and drops what the sender still sends (at most 16 times the message limit, until
    /// it closes or stays idle): closing with unread data would reset the connection and could lose the ACK on its way.
    /// </summary>
    private async Task DiscardAsync(Socket client, PipeReader reader, CancellationTokenSource idle, CancellationToken stoppingToken)
    {
        client.Shutdown(SocketShutdown.Send);
        var left = 16L * _options.MaxMessageBytes;
        while (left > 0 && !stoppingToken.IsCancellationRequested)
        {
            idle.CancelAfter(_options.IdleTimeout);
            var read = await reader.ReadAsync(idle.Token);
            left -= read.Buffer.Length;
            reader.AdvanceTo(read.Buffer.End);
            if (read.IsCompleted)
            {
                return;
            }
        }
    }

    private static async Task WriteAsync(NetworkStream stream, string ack, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(ack);
        var framed = new byte[bytes.Length + 3];
        framed[0] = StartBlock;
        bytes.CopyTo(framed, 1);
        framed[^2] = EndBlock;
        framed[^1] = CarriageReturn;
        await stream.WriteAsync(framed, cancellationToken);
    }
}

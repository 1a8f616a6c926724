using System.Net.Sockets;
using System.Text;

namespace Vigil.Tests.Hl7;

/// <summary>An MLLP connection to a server's HL7 listener: frames what it sends, reads one framed answer.</summary>
public sealed class MllpClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly NetworkStream _stream;
    private readonly List<byte> _pending = [];

    private MllpClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<MllpClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port, TestContext.Current.CancellationToken);
        return new MllpClient(tcp);
    }

    /// <summary>Sends a framed message and returns the framed answer's text.</summary>
    public async Task<Ack> SendAsync(string message)
    {
        await WriteRawAsync([0x0B, .. Encoding.UTF8.GetBytes(message), 0x1C, 0x0D]);
        return await ReceiveAsync() ?? throw new IOException("the connection closed without an answer");
    }

    public async Task WriteRawAsync(byte[] bytes) => await _stream.WriteAsync(bytes, TestContext.Current.CancellationToken);

    /// <summary>The next framed answer, or null when the server closes the connection first.</summary>
    public async Task<Ack?> ReceiveAsync()
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        while (true)
        {
            var end = _pending.IndexOf(0x1C);
            if (end >= 0)
            {
                var start = _pending.IndexOf(0x0B);
                var text = Encoding.UTF8.GetString([.. _pending.Skip(start + 1).Take(end - start - 1)]);
                _pending.RemoveRange(0, Math.Min(_pending.Count, end + 2));
                return new Ack(text);
            }

            var n = await _stream.ReadAsync(buffer, timeout.Token);
            if (n == 0)
            {
                return null;
            }

            _pending.AddRange(buffer.AsSpan(0, n).ToArray());
        }
    }

    /// <summary>True once the server has closed the connection (reads return end of stream), discarding anything it sends first.</summary>
    public async Task<bool> ClosedByServerAsync(TimeSpan within)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(within);
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, timeout.Token) > 0)
            {
            }

            return true;
        }
        catch (IOException)
        {
            // Reset by the server: closed as well.
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>An ACK as segments and fields split on the standard delimiters, read independently of Vigil's parser.</summary>
public sealed class Ack(string text)
{
    public string Text { get; } = text;

    public IReadOnlyList<string[]> Segments { get; } =
        text.Split('\r', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Split('|')).ToList();

    /// <summary>Field <paramref name="n"/> of the first <paramref name="segment"/> (HL7 numbering: MSH-1 is the separator).</summary>
    public string Field(string segment, int n)
    {
        var fields = Segments.First(s => s[0] == segment);
        var i = segment == "MSH" ? n - 1 : n;
        return i < fields.Length ? fields[i] : "";
    }

    public string Code => Field("MSA", 1);

    public IReadOnlyList<string[]> Errors => Segments.Where(s => s[0] == "ERR").ToList();

    public override string ToString() => Text.Replace('\r', '\n');
}

using System.Text;

namespace Vigil.Tests.Dashboard;

/// <summary>A Server-Sent Events stream read over real HTTP, event by event (the test's EventSource).</summary>
public sealed class SseStream(HttpResponseMessage response, Stream body) : IAsyncDisposable
{
    private readonly StreamReader _reader = new(body, Encoding.UTF8);

    public HttpResponseMessage Response { get; } = response;

    public static async Task<SseStream> OpenAsync(HttpClient client, string url, CancellationToken cancellationToken)
    {
        var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return new SseStream(response, await response.Content.ReadAsStreamAsync(cancellationToken));
    }

    /// <summary>The next event (comments and keep-alives skipped): its name and its data.</summary>
    public async Task<(string Name, string Data)> NextAsync(CancellationToken cancellationToken)
    {
        string name = "message";
        var data = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("The stream ended.");
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    return (name, data.ToString());
                }

                name = "message";
                continue;
            }

            if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line["event:".Length..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data.Append(line["data:".Length..].TrimStart());
            }
        }
    }

    /// <summary>Reads until an event named <paramref name="name"/> whose data satisfies <paramref name="match"/>.</summary>
    public async Task<string> NextAsync(string name, Func<string, bool> match, CancellationToken cancellationToken)
    {
        while (true)
        {
            var e = await NextAsync(cancellationToken);
            if (e.Name == name && match(e.Data))
            {
                return e.Data;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _reader.Dispose();
        Response.Dispose();
        await Task.CompletedTask;
    }
}

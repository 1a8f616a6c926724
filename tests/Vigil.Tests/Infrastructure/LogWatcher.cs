using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;

namespace Vigil.Tests.Infrastructure;

/// <summary>
/// Reads a server's event log as a consumer group of its own (never committing, so it changes nothing) and waits,
/// without polling, for the message about a given reading to appear.
/// </summary>
public sealed class LogWatcher(VigilServer server, params string[] topics) : IAsyncDisposable
{
    private readonly ILogConsumer _consumer = server.Services.GetRequiredService<IEventLog>().Subscribe("test-watch-" + Guid.NewGuid().ToString("N"), topics);
    private readonly List<(string Topic, Envelope Envelope)> _seen = [];

    /// <summary>The first message whose envelope satisfies <paramref name="match"/>, waiting for it if need be.</summary>
    public async Task<(string Topic, Envelope Envelope)> WaitForAsync(Func<string, Envelope, bool> match, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var found = _seen.FirstOrDefault(s => match(s.Topic, s.Envelope));
            if (found.Envelope is not null)
            {
                return found;
            }

            var batch = await _consumer.ReceiveAsync(1000, timeout.Token);
            _seen.AddRange(batch.Messages.Select(m => (m.Topic, Envelope.Decode(m.Payload))));
        }
    }

    /// <summary>The enriched reading or the dead letter for the reading with <paramref name="readingId"/>.</summary>
    public Task<(string Topic, Envelope Envelope)> ForReadingAsync(string readingId, CancellationToken cancellationToken) =>
        WaitForAsync((topic, e) => ReadingId(topic, e) == readingId, cancellationToken);

    public IReadOnlyList<(string Topic, Envelope Envelope)> Seen => _seen;

    public static string? ReadingId(string topic, Envelope e) => topic switch
    {
        Topics.ReadingsEnriched => e.Body.GetProperty("id").GetString(),
        Topics.DeadLetters when e.Body.GetProperty("message").GetProperty("body").TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String
            => id.GetString(),
        _ => null,
    };

    public ValueTask DisposeAsync() => _consumer.DisposeAsync();
}

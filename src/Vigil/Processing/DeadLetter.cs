using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;

namespace Vigil.Processing;

/// <summary>
/// A message that could not be handled, on its way to the <c>dlq</c> topic: where it came from, why, and the original
/// envelope unchanged, so it can be inspected and replayed.
/// </summary>
public static class DeadLetter
{
    public static LogMessage For(ConsumedMessage message, string group, string reason, string? error, DateTimeOffset at) =>
        new(Topics.DeadLetters, message.Key, Envelope.Encode(Identifiers.New(), "dead-letter", message.Key, at, null,
            (message, group, reason, error), static (w, s) =>
            {
                w.WriteStartObject();
                w.WriteString("sourceTopic", s.message.Topic);
                w.WriteNumber("sourcePartition", s.message.Partition);
                w.WriteNumber("sourceOffset", s.message.Offset);
                w.WriteString("group", s.group);
                w.WriteString("reason", s.reason);
                if (s.error is not null)
                {
                    w.WriteString("error", s.error);
                }

                w.WritePropertyName("message");
                using (var original = JsonDocument.Parse(s.message.Payload))
                {
                    original.RootElement.WriteTo(w);
                }

                w.WriteEndObject();
            }));
}

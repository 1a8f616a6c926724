using System.Text.Json;
using Dapper;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Processing;

/// <summary>
/// A message that could not be handled: recorded in <c>dead_letters</c> (for inspection and replay through the API) and
/// appended to the <c>dlq</c> topic, in the transaction that moves the consumer past it. Both keep where it came from,
/// why, and the original envelope unchanged.
/// </summary>
public static class DeadLetter
{
    public static void Record(WriteContext ctx, IEventLog log, ConsumedMessage message, string group, string reason, string? error)
    {
        string? customerId = null;
        using (var original = JsonDocument.Parse(message.Payload))
        {
            if (original.RootElement.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.Object
                && body.TryGetProperty("customerId", out var customer) && customer.ValueKind == JsonValueKind.String)
            {
                customerId = customer.GetString();
            }
        }

        ctx.Connection.Execute(
            """
            INSERT INTO dead_letters (customer_id, source_topic, source_partition, source_offset, group_id, reason, error, message_key, message, created_at)
            VALUES (@customerId, @Topic, @Partition, @Offset, @group, @reason, @error, @Key, @Payload, @now)
            """,
            new { customerId, message.Topic, message.Partition, message.Offset, group, reason, error, message.Key, message.Payload, now = EventTime.ToMicros(ctx.Now) },
            ctx.Transaction);
        log.Append(ctx, [For(message, group, reason, error, ctx.Now)]);
    }

    /// <summary>
    /// Whether <paramref name="group"/> has dead-lettered this very message already: for a member that may be handed a
    /// message again after a crash and must not record it twice. <paramref name="customerId"/>, when known, narrows the
    /// search to the customer's dead letters (the table's index).
    /// </summary>
    public static bool Exists(WriteContext ctx, ConsumedMessage message, string group, string? customerId) =>
        ctx.Connection.ExecuteScalar<long?>(
            customerId is null
                ? "SELECT 1 FROM dead_letters WHERE source_topic = @Topic AND source_offset = @Offset AND group_id = @group"
                : "SELECT 1 FROM dead_letters WHERE customer_id = @customerId AND source_topic = @Topic AND source_offset = @Offset AND group_id = @group",
            new { customerId, message.Topic, message.Offset, group }, ctx.Transaction) is not null;

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

using System.Buffers;
using System.Text.Json;

namespace Vigil.Domain.Log;

/// <summary>
/// Every log message's payload: message id, type, partition key, event time, W3C trace context and the body.
/// Metadata lives in the payload, not in record headers, so it survives brokers that drop headers (Kafka 0.9).
/// </summary>
public sealed record Envelope(string MessageId, string Type, string Key, DateTimeOffset EventTime, string? TraceParent, JsonElement Body)
{
    /// <summary>Writes an envelope whose body is written by <paramref name="writeBody"/>, as compact UTF-8 JSON.</summary>
    public static byte[] Encode<TState>(
        string messageId, string type, string key, DateTimeOffset eventTime, string? traceParent, TState state,
        Action<Utf8JsonWriter, TState> writeBody)
    {
        // Encoding runs synchronously, so one buffer and writer per thread can be reused: ingest encodes one
        // envelope per reading and would otherwise allocate both every time.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var w = t_writer ??= new Utf8JsonWriter(buffer);
        w.Reset(buffer);
        w.WriteStartObject();
        w.WriteString("id", messageId);
        w.WriteString("type", type);
        w.WriteString("key", key);
        w.WriteString("time", eventTime.UtcDateTime);
        if (traceParent is not null)
        {
            w.WriteString("traceparent", traceParent);
        }

        w.WritePropertyName("body");
        writeBody(w, state);
        w.WriteEndObject();
        w.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    public static Envelope Decode(ReadOnlySpan<byte> payload)
    {
        using var doc = JsonDocument.Parse(payload.ToArray());
        var root = doc.RootElement;
        return new Envelope(
            root.GetProperty("id").GetString()!,
            root.GetProperty("type").GetString()!,
            root.GetProperty("key").GetString()!,
            root.GetProperty("time").GetDateTimeOffset(),
            root.TryGetProperty("traceparent", out var tp) ? tp.GetString() : null,
            root.GetProperty("body").Clone());
    }
}

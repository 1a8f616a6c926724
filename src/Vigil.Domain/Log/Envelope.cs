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

    /// <summary>An envelope's metadata and where its body lies in the payload, read without building a document.</summary>
    public readonly record struct Header(string MessageId, string Type, string Key, DateTimeOffset EventTime, string? TraceParent, Range Body);

    /// <summary>
    /// Reads the metadata of <paramref name="payload"/> in one forward pass and finds its body (the raw JSON object, for
    /// a stage that passes it on with more added); a payload without one of them is a <see cref="JsonException"/>.
    /// </summary>
    public static Header ReadHeader(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("an envelope is a JSON object");
        }

        string? id = null, type = null, key = null, traceParent = null;
        DateTimeOffset? time = null;
        Range? body = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("id"u8))
            {
                id = reader.GetString();
            }
            else if (name.SequenceEqual("type"u8))
            {
                type = reader.GetString();
            }
            else if (name.SequenceEqual("key"u8))
            {
                key = reader.GetString();
            }
            else if (name.SequenceEqual("time"u8))
            {
                time = reader.GetDateTimeOffset();
            }
            else if (name.SequenceEqual("traceparent"u8))
            {
                traceParent = reader.GetString();
            }
            else if (name.SequenceEqual("body"u8))
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                body = start..(int)reader.BytesConsumed;
            }
            else
            {
                reader.Skip();
            }
        }

        return new Header(
            id ?? throw Missing("id"), type ?? throw Missing("type"), key ?? throw Missing("key"), time ?? throw Missing("time"), traceParent,
            body ?? throw Missing("body"));
    }

    private static JsonException Missing(string property) => new($"an envelope has no {property}");
}

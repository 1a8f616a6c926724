using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Domain.Readings;

namespace Vigil.Processing.Analysis;

/// <summary>
/// A <c>readings.enriched</c> message as the analyze stages need it, decoded once for all of them. <see cref="Number"/>
/// holds a quantity (and a flag as 1 or 0), <see cref="Text"/> an ACVPU letter; <see cref="Type"/> is null for a type
/// this version does not know.
/// </summary>
public sealed record EnrichedReading(
    string CustomerId, string PatientId, string? DepartmentId, string? DeviceId, string Id, VitalType? Type, double? Number, string? Text,
    DateTimeOffset ObservedAt, int Spo2Scale, string? TraceParent = null)
{
    /// <summary>
    /// Reads the one message in a forward pass over its JSON, the envelope's by <see cref="Envelope.ReadHeader"/> (no
    /// document is built: the analyzer decodes every enriched reading, and a parsed document per message was a
    /// twentieth of its process's CPU).
    /// </summary>
    public static EnrichedReading Decode(ReadOnlyMemory<byte> payload)
    {
        var header = Envelope.ReadHeader(payload.Span);
        var reader = new Utf8JsonReader(payload.Span[header.Body]);
        if (Next(ref reader) != JsonTokenType.StartObject)
        {
            throw new JsonException($"a readings.enriched message has {reader.TokenType} where its body belongs");
        }

        string? customerId = null, patientId = null, departmentId = null, deviceId = null, id = null, typeName = null, text = null;
        double? number = null;
        DateTimeOffset? observedAt = null;
        var spo2Scale = 1;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            Next(ref reader);
            if (name.SequenceEqual("customerId"u8))
            {
                customerId = reader.GetString();
            }
            else if (name.SequenceEqual("patientId"u8))
            {
                patientId = reader.GetString();
            }
            else if (name.SequenceEqual("deviceId"u8))
            {
                deviceId = reader.GetString();
            }
            else if (name.SequenceEqual("id"u8))
            {
                id = reader.GetString();
            }
            else if (name.SequenceEqual("type"u8))
            {
                typeName = reader.GetString();
            }
            else if (name.SequenceEqual("observedAt"u8))
            {
                observedAt = reader.GetDateTimeOffset();
            }
            else if (name.SequenceEqual("value"u8))
            {
                (number, text) = reader.TokenType switch
                {
                    JsonTokenType.Number => (reader.GetDouble(), (string?)null),
                    JsonTokenType.True => (1, null),
                    JsonTokenType.False => (0, null),
                    JsonTokenType.String => (null, reader.GetString()),
                    _ => ((double?)null, (string?)null),
                };
            }
            else if (name.SequenceEqual("patient"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                spo2Scale = ObjectProperty(ref reader, "spo2Scale"u8) is { } scale && int.TryParse(scale, out var s) && s is 1 or 2 ? s : 1;
            }
            else if (name.SequenceEqual("department"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                departmentId = ObjectProperty(ref reader, "id"u8);
            }
            else
            {
                reader.Skip();
            }
        }

        VitalTypes.TryGetByName(typeName ?? throw Missing("type"), out var type);
        return new EnrichedReading(
            customerId ?? throw Missing("customerId"), patientId ?? throw Missing("patientId"), departmentId, deviceId, id ?? throw Missing("id"),
            type, number, text, EventTime.Truncate(observedAt ?? throw Missing("observedAt")), spo2Scale, header.TraceParent);
    }

    /// <summary>The text of one scalar property of the object the reader is at (numbers as written), leaving the reader at its end.</summary>
    private static string? ObjectProperty(ref Utf8JsonReader reader, ReadOnlySpan<byte> property)
    {
        string? found = null;
        while (Next(ref reader) == JsonTokenType.PropertyName)
        {
            var match = reader.ValueTextEquals(property);
            Next(ref reader);
            if (match && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
            {
                found = reader.TokenType == JsonTokenType.String ? reader.GetString() : System.Text.Encoding.UTF8.GetString(reader.ValueSpan);
            }
            else
            {
                reader.Skip();
            }
        }

        return found;
    }

    private static JsonTokenType Next(ref Utf8JsonReader reader) =>
        reader.Read() ? reader.TokenType : throw new JsonException("a readings.enriched message ends early");

    private static JsonException Missing(string property) => new($"a readings.enriched message has no body.{property}");
}

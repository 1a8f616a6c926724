using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Events;

namespace Vigil.Api.Ingest;

/// <summary>Reads clinical events (one object or an array) into <see cref="EventInput"/>s; "data" is kept as compact JSON.</summary>
public static class EventJson
{
    public static (List<EventInput> Items, bool IsArray) Parse(ReadOnlySpan<byte> utf8, int maxItems, List<FieldError> errors) =>
        IngestJson.Parse(utf8, maxItems, errors, static () => new EventInput(), ReadProperty);

    private static void ReadProperty(ref Utf8JsonReader reader, EventInput item, string property, int? index, List<FieldError> errors)
    {
        switch (property)
        {
            case "eventId":
                item.EventId = IngestJson.String(ref reader, property, index, errors);
                break;
            case "patientId":
                item.PatientId = IngestJson.String(ref reader, property, index, errors);
                break;
            case "type":
                item.Type = IngestJson.String(ref reader, property, index, errors);
                break;
            case "ts":
                item.Ts = IngestJson.String(ref reader, property, index, errors);
                break;
            case "data":
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    using var doc = JsonDocument.ParseValue(ref reader);
                    item.Data = JsonSerializer.Serialize(doc.RootElement);
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    item.DataWasNotObject = true;
                    reader.Skip();
                }

                break;
            default:
                reader.Skip();
                break;
        }
    }
}

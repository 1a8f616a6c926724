using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Readings;

namespace Vigil.Api.Ingest;

/// <summary>Reads readings (one object or an array) into <see cref="ReadingInput"/>s.</summary>
public static class ReadingJson
{
    public static (List<ReadingInput> Items, bool IsArray) Parse(ReadOnlySpan<byte> utf8, int maxItems, List<FieldError> errors) =>
        IngestJson.Parse(utf8, maxItems, errors, static () => new ReadingInput(), ReadProperty);

    private static void ReadProperty(ref Utf8JsonReader reader, ReadingInput item, string property, int? index, List<FieldError> errors)
    {
        switch (property)
        {
            case "id":
                item.Id = IngestJson.String(ref reader, property, index, errors);
                break;
            case "patientId":
                item.PatientId = IngestJson.String(ref reader, property, index, errors);
                break;
            case "deviceId":
                item.DeviceId = IngestJson.String(ref reader, property, index, errors);
                break;
            case "type":
                item.Type = IngestJson.String(ref reader, property, index, errors);
                break;
            case "code":
                item.Code = IngestJson.String(ref reader, property, index, errors);
                break;
            case "unit":
                item.Unit = IngestJson.String(ref reader, property, index, errors);
                break;
            case "observedAt":
                item.ObservedAt = IngestJson.String(ref reader, property, index, errors);
                break;
            case "value":
                item.Value = reader.TokenType switch
                {
                    JsonTokenType.Number => reader.TryGetDouble(out var d) ? new InputValue(InputValueKind.Number, d) : new InputValue(InputValueKind.Other),
                    JsonTokenType.String => new InputValue(InputValueKind.Text, Text: reader.GetString()),
                    JsonTokenType.True => new InputValue(InputValueKind.Flag, Flag: true),
                    JsonTokenType.False => new InputValue(InputValueKind.Flag, Flag: false),
                    JsonTokenType.Null => new InputValue(InputValueKind.Null),
                    _ => new InputValue(InputValueKind.Other),
                };
                reader.Skip();
                break;
            default:
                reader.Skip();
                break;
        }
    }
}

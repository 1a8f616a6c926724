using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Readings;

namespace Vigil.Processing.Analysis;

/// <summary>
/// A <c>readings.enriched</c> message as the analyze stages need it, decoded once for all of them. <see cref="Number"/>
/// holds a quantity (and a flag as 1 or 0), <see cref="Text"/> an ACVPU letter; <see cref="Type"/> is null for a type
/// this version does not know.
/// </summary>
public sealed record EnrichedReading(
    string CustomerId, string PatientId, string? DepartmentId, string? DeviceId, string Id, VitalType? Type, double? Number, string? Text,
    DateTimeOffset ObservedAt, int Spo2Scale)
{
    public static EnrichedReading Decode(ReadOnlyMemory<byte> payload)
    {
        using var doc = JsonDocument.Parse(payload);
        var body = doc.RootElement.GetProperty("body");
        var value = body.GetProperty("value");
        VitalTypes.TryGetByName(body.GetProperty("type").GetString()!, out var type);
        return new EnrichedReading(
            body.GetProperty("customerId").GetString()!,
            body.GetProperty("patientId").GetString()!,
            body.TryGetProperty("department", out var d) && d.TryGetProperty("id", out var departmentId) ? departmentId.GetString() : null,
            body.TryGetProperty("deviceId", out var deviceId) ? deviceId.GetString() : null,
            body.GetProperty("id").GetString()!,
            type,
            value.ValueKind switch { JsonValueKind.Number => value.GetDouble(), JsonValueKind.True => 1, JsonValueKind.False => 0, _ => null },
            value.ValueKind == JsonValueKind.String ? value.GetString() : null,
            EventTime.Truncate(body.GetProperty("observedAt").GetDateTimeOffset()),
            body.TryGetProperty("patient", out var patient) && patient.TryGetProperty("spo2Scale", out var scale) && scale.TryGetInt32(out var s) && s is 1 or 2
                ? s
                : 1);
    }
}

using System.Text.Json.Serialization;
using Vigil.Domain.Readings;
using Vigil.Storage.Readings;

namespace Vigil.Api;

/// <summary>A stored reading as the API shows it: value as its kind (number, ACVPU letter or true/false), canonical unit, LOINC code.</summary>
public sealed record ReadingView(
    string Id,
    string PatientId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DeviceId,
    string Type,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code,
    object? Value,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Unit,
    DateTimeOffset ObservedAt,
    DateTimeOffset ReceivedAt)
{
    public static ReadingView From(StoredReading stored)
    {
        var r = stored.Reading;
        object? value = r.Type.Kind switch
        {
            ValueKind.Acvpu => r.Text,
            ValueKind.Flag => r.Value == 1,
            _ => r.Value,
        };
        return new ReadingView(r.Id, r.PatientId, r.DeviceId, r.Type.Name, r.Type.Loinc, value, r.Unit, r.ObservedAt, stored.ReceivedAt);
    }
}

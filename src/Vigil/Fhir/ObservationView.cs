using System.Globalization;
using System.Text.Json.Nodes;
using Vigil.Domain.Readings;
using Vigil.Storage.Readings;

namespace Vigil.Fhir;

/// <summary>Stored readings as FHIR R4 Observations (vital-signs category, LOINC code, UCUM unit).</summary>
internal static class ObservationView
{
    private const string Ucum = "http://unitsofmeasure.org";

    /// <summary>Vital types without a LOINC code (oxygen supplementation) are coded in Vigil's own system.</summary>
    public const string VigilTypes = "urn:vigil:vital-type";

    public static JsonObject From(StoredReading stored)
    {
        var r = stored.Reading;
        var o = Skeleton(r.Id, r.Type.Loinc, r.Type.Name, r, stored.ReceivedAt);
        WriteValue(o, r);
        return o;
    }

    /// <summary>A blood pressure panel (LOINC 85354-9) from its systolic and diastolic readings, under the panel's id.</summary>
    public static JsonObject Panel(string id, IReadOnlyList<StoredReading> components)
    {
        var first = components[0];
        var o = Skeleton(id, "85354-9", "blood_pressure", first.Reading, first.ReceivedAt);
        var list = new JsonArray();
        foreach (var c in components)
        {
            var component = new JsonObject { ["code"] = Code(c.Reading.Type.Loinc, c.Reading.Type.Name) };
            WriteValue(component, c.Reading);
            list.Add(component);
        }

        o["component"] = list;
        return o;
    }

    private static JsonObject Skeleton(string id, string? loinc, string name, Reading r, DateTimeOffset receivedAt)
    {
        var o = new JsonObject
        {
            ["resourceType"] = "Observation",
            ["id"] = id,
            ["meta"] = new JsonObject { ["lastUpdated"] = Instant(receivedAt) },
            ["status"] = "final",
            ["category"] = new JsonArray(new JsonObject
            {
                ["coding"] = new JsonArray(new JsonObject
                {
                    ["system"] = "http://terminology.hl7.org/CodeSystem/observation-category",
                    ["code"] = "vital-signs",
                    ["display"] = "Vital Signs",
                }),
            }),
            ["code"] = Code(loinc, name),
            ["subject"] = new JsonObject { ["reference"] = $"Patient/{r.PatientId}" },
            ["effectiveDateTime"] = Instant(r.ObservedAt),
            ["issued"] = Instant(receivedAt),
        };
        if (r.DeviceId is not null)
        {
            o["device"] = new JsonObject { ["reference"] = $"Device/{r.DeviceId}" };
        }

        return o;
    }

    private static JsonObject Code(string? loinc, string name) => new()
    {
        ["coding"] = new JsonArray(new JsonObject { ["system"] = loinc is null ? VigilTypes : FhirElement.Loinc, ["code"] = loinc ?? name }),
        ["text"] = name,
    };

    private static void WriteValue(JsonObject o, Reading r)
    {
        switch (r.Type.Kind)
        {
            case ValueKind.Acvpu:
                o["valueString"] = r.Text;
                break;
            case ValueKind.Flag:
                o["valueBoolean"] = r.Value == 1;
                break;
            default:
                o["valueQuantity"] = new JsonObject { ["value"] = r.Value, ["unit"] = r.Unit, ["system"] = Ucum, ["code"] = r.Unit };
                break;
        }
    }

    public static string Instant(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFF'Z'", CultureInfo.InvariantCulture);
}

using System.Text.Json.Nodes;

namespace Vigil.Fhir;

/// <summary>What this server does in FHIR R4 (4.0.1): the CapabilityStatement <c>GET /fhir/metadata</c> answers.</summary>
internal static class CapabilityStatement
{
    public static JsonObject Of(bool ingest, bool queries)
    {
        var observation = new JsonObject
        {
            ["type"] = "Observation",
            ["profile"] = "http://hl7.org/fhir/StructureDefinition/vitalsigns",
            ["interaction"] = Interactions([.. ingest ? new[] { "create" } : [], .. queries ? new[] { "read", "search-type" } : []]),
        };
        if (queries)
        {
            observation["searchParam"] = new JsonArray(
                Param("patient", "reference", "The patient: Patient/{id} or {id} (required)"),
                Param("code", "token", "LOINC codes, comma-separated; a blood pressure panel (85354-9, 55284-4) finds systolic and diastolic"),
                Param("date", "date", "effective time, with the prefixes eq, ge, gt, le, lt"),
                Param("_count", "number", "page size, 1 to 1000 (default 100); the next page is the 'next' link"),
                Param("_sort", "string", "date (oldest first, the default) or -date"));
            observation["operation"] = new JsonArray(new JsonObject
            {
                ["name"] = "lastn",
                ["definition"] = "http://hl7.org/fhir/OperationDefinition/Observation-lastn",
            });
        }

        var resources = new JsonArray(observation);
        var rest = new JsonObject
        {
            ["mode"] = "server",
            ["security"] = new JsonObject { ["description"] = "Every interaction but metadata needs an API key in the X-Api-Key header; data is the key's customer's only." },
            ["resource"] = resources,
        };
        if (ingest)
        {
            resources.Add(new JsonObject
            {
                ["type"] = "Patient",
                ["interaction"] = Interactions("create", "update"),
                ["documentation"] = "In batch and transaction Bundles only; needs an admin key.",
            });
            rest["interaction"] = Interactions("batch", "transaction");
        }

        return new JsonObject
        {
            ["resourceType"] = "CapabilityStatement",
            ["status"] = "active",
            ["date"] = "2026-11-21",
            ["kind"] = "instance",
            ["software"] = new JsonObject { ["name"] = "Vigil" },
            ["implementation"] = new JsonObject { ["description"] = "Vigil vital-signs telemetry" },
            ["fhirVersion"] = "4.0.1",
            ["format"] = new JsonArray("application/fhir+json", "json"),
            ["rest"] = new JsonArray(rest),
        };
    }

    private static JsonArray Interactions(params string[] codes) => new([.. codes.Select(c => (JsonNode)new JsonObject { ["code"] = c })]);

    private static JsonObject Param(string name, string type, string documentation) =>
        new() { ["name"] = name, ["type"] = type, ["documentation"] = documentation };
}

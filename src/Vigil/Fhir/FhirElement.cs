using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vigil.Fhir;

/// <summary>Reads FHIR JSON elements, reporting an element of the wrong JSON kind as an error at its path.</summary>
internal static partial class FhirElement
{
    public const string Loinc = "http://loinc.org";

    /// <summary>FHIR R4's id type: 1 to 64 of letters, digits, '-' and '.'.</summary>
    [GeneratedRegex(@"^[A-Za-z0-9\-\.]{1,64}$", RegexOptions.CultureInvariant)]
    public static partial Regex Id();

    /// <summary>An id derived from what identifies a resource that has none: the same basis always gives the same id.</summary>
    public static string DerivedId(string basis) => "fhir-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(basis)))[..32];

    public static bool IsLoinc(string? system) => system is Loinc or "urn:oid:2.16.840.1.113883.6.1";

    /// <summary>The child <paramref name="name"/> if it is present and not null; an element of another kind than <paramref name="kind"/> is an error.</summary>
    public static bool TryGet(JsonElement parent, string name, JsonValueKind kind, string path, List<Issue> issues, out JsonElement value)
    {
        if (parent.ValueKind != JsonValueKind.Object || !parent.TryGetProperty(name, out value) || value.ValueKind == JsonValueKind.Null)
        {
            value = default;
            return false;
        }

        if (value.ValueKind != kind)
        {
            issues.Add(Issue.Error($"{path}.{name}", $"must be a JSON {Describe(kind)}", "structure"));
            return false;
        }

        return true;
    }

    public static string? String(JsonElement parent, string name, string path, List<Issue> issues) =>
        TryGet(parent, name, JsonValueKind.String, path, issues, out var value) ? value.GetString() : null;

    /// <summary>The items of an array child with their paths (<c>path.name[i]</c>); none when absent.</summary>
    public static IEnumerable<(JsonElement Item, string Path)> Items(JsonElement parent, string name, string path, List<Issue> issues)
    {
        if (!TryGet(parent, name, JsonValueKind.Array, path, issues, out var array))
        {
            yield break;
        }

        var i = 0;
        foreach (var item in array.EnumerateArray())
        {
            yield return (item, $"{path}.{name}[{i++}]");
        }
    }

    /// <summary>The codings of a CodeableConcept: (system, code) pairs.</summary>
    public static IEnumerable<(string? System, string? Code)> Codings(JsonElement concept, string path, List<Issue> issues) =>
        Items(concept, "coding", path, issues)
            .Where(c => c.Item.ValueKind == JsonValueKind.Object)
            .Select(c => (String(c.Item, "system", c.Path, issues), String(c.Item, "code", c.Path, issues)));

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        _ => kind.ToString().ToLowerInvariant(),
    };
}

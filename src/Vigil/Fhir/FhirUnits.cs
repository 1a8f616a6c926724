using System.Collections.Frozen;
using Vigil.Domain.Readings;

namespace Vigil.Fhir;

/// <summary>
/// Units as FHIR files write them. Quantity.code holds the UCUM code and Quantity.unit a display text, which real
/// senders fill with "mmHg", "beats/minute" or "degF"; both are tried, each through this list of texts to the UCUM
/// codes Vigil's vital types take (conversion to the canonical unit is then the type's own).
/// </summary>
internal static class FhirUnits
{
    private static readonly FrozenDictionary<string, string> Texts = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["beats/minute"] = "/min",
        ["beat/min"] = "/min",
        ["breaths/minute"] = "/min",
        ["breath/min"] = "/min",
        ["per minute"] = "/min",
        ["mm Hg"] = "mm[Hg]",
        ["degF"] = "[degF]",
        ["°F"] = "[degF]",
        ["degC"] = "Cel",
        ["°C"] = "Cel",
        ["lb"] = "[lb_av]",
        ["lbs"] = "[lb_av]",
        ["in"] = "[in_i]",
        ["kg/m^2"] = "kg/m2",
        ["kg/m²"] = "kg/m2",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>The first of <paramref name="candidates"/> (code, then unit text) that <paramref name="type"/> takes, as its UCUM code.</summary>
    public static string? Resolve(VitalType type, params string?[] candidates)
    {
        foreach (var candidate in candidates)
        {
            if (string.IsNullOrWhiteSpace(candidate))
            {
                continue;
            }

            var ucum = Texts.TryGetValue(candidate.Trim(), out var mapped) ? mapped : candidate.Trim();
            if (type.AcceptsUnit(ucum))
            {
                return ucum;
            }
        }

        return null;
    }
}

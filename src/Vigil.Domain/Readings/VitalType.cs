namespace Vigil.Domain.Readings;

/// <summary>
/// A kind of vital sign: its wire name, LOINC codes, canonical UCUM unit, the units accepted on input with their
/// conversion to the canonical one, and the physiologically plausible range of the canonical value.
/// </summary>
public sealed class VitalType(
    string name,
    string[] loincCodes,
    string? unit,
    ValueKind kind,
    double min = 0,
    double max = 0,
    IReadOnlyDictionary<string, Func<double, double>>? alternativeUnits = null)
{
    public string Name { get; } = name;

    public IReadOnlyList<string> LoincCodes { get; } = loincCodes;

    /// <summary>The canonical UCUM unit, or null for values that carry none (ACVPU, flags).</summary>
    public string? Unit { get; } = unit;

    public ValueKind Kind { get; } = kind;

    public double Min { get; } = min;

    public double Max { get; } = max;

    /// <summary>The first LOINC code, the one Vigil reports the type under.</summary>
    public string? Loinc => LoincCodes.Count > 0 ? LoincCodes[0] : null;

    /// <summary>Converts a value given in <paramref name="inputUnit"/> to the canonical unit; false when the unit is not one for this type.</summary>
    public bool TryConvert(string? inputUnit, double value, out double canonical)
    {
        canonical = value;
        if (string.IsNullOrEmpty(inputUnit) || inputUnit == Unit)
        {
            return true;
        }

        if (alternativeUnits is not null && alternativeUnits.TryGetValue(inputUnit, out var convert))
        {
            canonical = convert(value);
            return true;
        }

        return false;
    }

    public bool AcceptsUnit(string? inputUnit) =>
        string.IsNullOrEmpty(inputUnit) || inputUnit == Unit || (alternativeUnits?.ContainsKey(inputUnit) ?? false);

    public override string ToString() => Name;
}

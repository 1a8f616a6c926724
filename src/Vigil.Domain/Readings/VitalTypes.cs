using System.Collections.Frozen;

namespace Vigil.Domain.Readings;

/// <summary>
/// The vital types Vigil knows, with LOINC codes and UCUM units as the FHIR vital-signs profile uses them.
/// Plausibility ranges are wide on purpose: they reject sensor garbage and typing errors, not sick patients.
/// </summary>
public static class VitalTypes
{
    private static readonly Func<double, double> Same = v => v;

    public static readonly VitalType HeartRate = new(
        "heart_rate", ["8867-4"], "/min", ValueKind.Quantity, 0, 350,
        new Dictionary<string, Func<double, double>> { ["{beats}/min"] = Same, ["beats/min"] = Same, ["bpm"] = Same });

    public static readonly VitalType RespiratoryRate = new(
        "respiratory_rate", ["9279-1"], "/min", ValueKind.Quantity, 0, 120,
        new Dictionary<string, Func<double, double>> { ["{breaths}/min"] = Same, ["breaths/min"] = Same });

    public static readonly VitalType Spo2 = new(
        "spo2", ["2708-6", "59408-5"], "%", ValueKind.Quantity, 0, 100);

    // [degF] -> Cel: (F - 32) * 5/9.
    public static readonly VitalType Temperature = new(
        "temperature", ["8310-5"], "Cel", ValueKind.Quantity, 20, 45,
        new Dictionary<string, Func<double, double>> { ["[degF]"] = f => (f - 32) * 5 / 9 });

    public static readonly VitalType SystolicBp = new(
        "systolic_bp", ["8480-6"], "mm[Hg]", ValueKind.Quantity, 0, 350,
        new Dictionary<string, Func<double, double>> { ["mmHg"] = Same });

    public static readonly VitalType DiastolicBp = new(
        "diastolic_bp", ["8462-4"], "mm[Hg]", ValueKind.Quantity, 0, 300,
        new Dictionary<string, Func<double, double>> { ["mmHg"] = Same });

    // [lb_av] is the avoirdupois pound, exactly 0.45359237 kg.
    public static readonly VitalType Weight = new(
        "weight", ["29463-7"], "kg", ValueKind.Quantity, 0, 700,
        new Dictionary<string, Func<double, double>> { ["[lb_av]"] = lb => lb * 0.45359237, ["g"] = g => g / 1000 });

    // [in_i] is the international inch, exactly 2.54 cm.
    public static readonly VitalType Height = new(
        "height", ["8302-2"], "cm", ValueKind.Quantity, 0, 300,
        new Dictionary<string, Func<double, double>> { ["[in_i]"] = i => i * 2.54, ["m"] = m => m * 100 });

    public static readonly VitalType Bmi = new(
        "bmi", ["39156-5"], "kg/m2", ValueKind.Quantity, 0, 250);

    public static readonly VitalType Steps = new(
        "steps", ["41950-7"], "{steps}", ValueKind.Quantity, 0, 250_000,
        new Dictionary<string, Func<double, double>> { ["/(24.h)"] = Same, ["{steps}/d"] = Same });

    // ACVPU: Alert, new Confusion, Voice, Pain, Unresponsive (NEWS2). LOINC 67775-7 is "Level of responsiveness".
    public static readonly VitalType Consciousness = new("consciousness", ["67775-7"], null, ValueKind.Acvpu);

    // Air or supplemental oxygen, the NEWS2 "air or oxygen?" parameter.
    public static readonly VitalType OxygenSupplement = new("oxygen_supplement", [], null, ValueKind.Flag);

    public static IReadOnlyList<VitalType> All { get; } =
    [
        HeartRate, RespiratoryRate, Spo2, Temperature, SystolicBp, DiastolicBp, Weight, Height, Bmi, Steps,
        Consciousness, OxygenSupplement,
    ];

    private static readonly FrozenDictionary<string, VitalType> ByName = All.ToFrozenDictionary(t => t.Name);

    private static readonly FrozenDictionary<string, VitalType> ByLoinc =
        All.SelectMany(t => t.LoincCodes.Select(c => (c, t))).ToFrozenDictionary(p => p.c, p => p.t);

    public static bool TryGetByName(string name, out VitalType type) => ByName.TryGetValue(name, out type!);

    public static bool TryGetByLoinc(string code, out VitalType type) => ByLoinc.TryGetValue(code, out type!);
}

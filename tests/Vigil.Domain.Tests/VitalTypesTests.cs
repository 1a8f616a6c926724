using Vigil.Domain.Readings;

namespace Vigil.Domain.Tests;

public sealed class VitalTypesTests
{
    [Fact]
    public void Vigil_knows_twelve_vital_types() =>
        VitalTypes.All.Select(t => t.Name).ShouldBe(
        [
            "heart_rate", "respiratory_rate", "spo2", "temperature", "systolic_bp", "diastolic_bp", "weight", "height",
            "bmi", "steps", "consciousness", "oxygen_supplement",
        ]);

    [Fact]
    public void Type_names_are_unique() =>
        VitalTypes.All.Select(t => t.Name).ShouldBeUnique();

    [Fact]
    public void Loinc_codes_are_unique_across_types() =>
        VitalTypes.All.SelectMany(t => t.LoincCodes).ShouldBeUnique();

    [Theory]
    [InlineData("heart_rate", "8867-4", "/min", 0, 350)]
    [InlineData("respiratory_rate", "9279-1", "/min", 0, 120)]
    [InlineData("spo2", "2708-6", "%", 0, 100)]
    [InlineData("temperature", "8310-5", "Cel", 20, 45)]
    [InlineData("systolic_bp", "8480-6", "mm[Hg]", 0, 350)]
    [InlineData("diastolic_bp", "8462-4", "mm[Hg]", 0, 300)]
    [InlineData("weight", "29463-7", "kg", 0, 700)]
    [InlineData("height", "8302-2", "cm", 0, 300)]
    [InlineData("bmi", "39156-5", "kg/m2", 0, 250)]
    [InlineData("steps", "41950-7", "{steps}", 0, 250_000)]
    public void Quantities_have_their_loinc_code_ucum_unit_and_plausible_range(
        string name, string loinc, string unit, double min, double max)
    {
        VitalTypes.TryGetByName(name, out var type).ShouldBeTrue();

        type.Kind.ShouldBe(ValueKind.Quantity);
        type.Loinc.ShouldBe(loinc);
        type.Unit.ShouldBe(unit);
        type.Min.ShouldBe(min);
        type.Max.ShouldBe(max);
    }

    [Fact]
    public void Spo2_has_both_pulse_oximetry_codes() =>
        VitalTypes.Spo2.LoincCodes.ShouldBe(["2708-6", "59408-5"]);

    [Fact]
    public void Consciousness_is_an_acvpu_level_without_unit()
    {
        VitalTypes.Consciousness.Kind.ShouldBe(ValueKind.Acvpu);
        VitalTypes.Consciousness.Loinc.ShouldBe("67775-7");
        VitalTypes.Consciousness.Unit.ShouldBeNull();
    }

    [Fact]
    public void Oxygen_supplement_is_a_flag_without_unit_or_loinc_code()
    {
        VitalTypes.OxygenSupplement.Kind.ShouldBe(ValueKind.Flag);
        VitalTypes.OxygenSupplement.LoincCodes.ShouldBeEmpty();
        VitalTypes.OxygenSupplement.Loinc.ShouldBeNull();
        VitalTypes.OxygenSupplement.Unit.ShouldBeNull();
    }

    public static TheoryData<string> Names => new(VitalTypes.All.Select(t => t.Name));

    public static TheoryData<string, string> Codes =>
        new(VitalTypes.All.SelectMany(t => t.LoincCodes.Select(c => (t.Name, c))));

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_type_is_found_by_its_name(string name)
    {
        VitalTypes.TryGetByName(name, out var type).ShouldBeTrue();

        type.Name.ShouldBe(name);
        type.ToString().ShouldBe(name);
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_type_is_found_by_each_of_its_loinc_codes(string name, string code)
    {
        VitalTypes.TryGetByLoinc(code, out var type).ShouldBeTrue();

        type.Name.ShouldBe(name);
    }

    [Theory]
    [InlineData("")]
    [InlineData("pulse")]
    [InlineData("Heart_Rate")]
    [InlineData("HEART_RATE")]
    [InlineData("heart rate")]
    [InlineData("8867-4")]
    public void Unknown_names_are_not_found(string name) => VitalTypes.TryGetByName(name, out _).ShouldBeFalse();

    [Theory]
    [InlineData("")]
    [InlineData("8867")]
    [InlineData("8867-5")]
    [InlineData("heart_rate")]
    [InlineData("85354-9")] // Blood pressure panel: not a single vital.
    public void Unknown_codes_are_not_found(string code) => VitalTypes.TryGetByLoinc(code, out _).ShouldBeFalse();

    [Fact]
    public void Fahrenheit_converts_to_celsius()
    {
        VitalTypes.Temperature.TryConvert("[degF]", 98.6, out var cel).ShouldBeTrue();

        cel.ShouldBe(37.0, 1e-9);
    }

    [Theory]
    [InlineData(32, 0)]
    [InlineData(212, 100)]
    [InlineData(-40, -40)]
    [InlineData(68, 20)]
    [InlineData(113, 45)]
    public void Fahrenheit_conversion_hits_the_fixed_points(double f, double c)
    {
        VitalTypes.Temperature.TryConvert("[degF]", f, out var cel).ShouldBeTrue();

        cel.ShouldBe(c, 1e-9);
    }

    [Fact]
    public void An_avoirdupois_pound_is_exactly_0_45359237_kg()
    {
        VitalTypes.Weight.TryConvert("[lb_av]", 1, out var kg).ShouldBeTrue();

        kg.ShouldBe(0.45359237);
    }

    [Fact]
    public void An_international_inch_is_exactly_2_54_cm()
    {
        VitalTypes.Height.TryConvert("[in_i]", 1, out var cm).ShouldBeTrue();

        cm.ShouldBe(2.54);
    }

    [Fact]
    public void Grams_convert_to_kilograms()
    {
        VitalTypes.Weight.TryConvert("g", 72_500, out var kg).ShouldBeTrue();

        kg.ShouldBe(72.5);
    }

    [Fact]
    public void Metres_convert_to_centimetres()
    {
        VitalTypes.Height.TryConvert("m", 1.75, out var cm).ShouldBeTrue();

        cm.ShouldBe(175, 1e-9);
    }

    [Theory]
    [InlineData("heart_rate", "{beats}/min")]
    [InlineData("heart_rate", "beats/min")]
    [InlineData("heart_rate", "bpm")]
    [InlineData("respiratory_rate", "{breaths}/min")]
    [InlineData("respiratory_rate", "breaths/min")]
    [InlineData("systolic_bp", "mmHg")]
    [InlineData("diastolic_bp", "mmHg")]
    [InlineData("steps", "/(24.h)")]
    [InlineData("steps", "{steps}/d")]
    public void Synonyms_of_the_canonical_unit_leave_the_value_unchanged(string name, string unit)
    {
        VitalTypes.TryGetByName(name, out var type);

        type.AcceptsUnit(unit).ShouldBeTrue();
        type.TryConvert(unit, 123.25, out var canonical).ShouldBeTrue();
        canonical.ShouldBe(123.25);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void The_canonical_unit_an_empty_unit_and_no_unit_are_accepted_unchanged(string name)
    {
        VitalTypes.TryGetByName(name, out var type);

        foreach (var unit in new[] { type.Unit, "", null })
        {
            type.AcceptsUnit(unit).ShouldBeTrue();
            type.TryConvert(unit, 42.5, out var canonical).ShouldBeTrue();
            canonical.ShouldBe(42.5);
        }
    }

    [Theory]
    [InlineData("temperature", "[degC]")]
    [InlineData("temperature", "degF")]
    [InlineData("temperature", "cel")]
    [InlineData("heart_rate", "Cel")]
    [InlineData("weight", "lb")]
    [InlineData("weight", "[lb_av] ")]
    [InlineData("height", "in")]
    [InlineData("height", "mm")]
    [InlineData("systolic_bp", "mmhg")]
    [InlineData("systolic_bp", "kPa")]
    [InlineData("spo2", "%O2")]
    [InlineData("consciousness", "%")]
    [InlineData("oxygen_supplement", "1")]
    public void Units_that_are_not_for_the_type_are_refused(string name, string unit)
    {
        VitalTypes.TryGetByName(name, out var type);

        type.AcceptsUnit(unit).ShouldBeFalse();
        type.TryConvert(unit, 1, out _).ShouldBeFalse();
    }
}

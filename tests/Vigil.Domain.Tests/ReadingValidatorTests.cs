using Vigil.Domain.Readings;

namespace Vigil.Domain.Tests;

public sealed class ReadingValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static InputValue Number(double n) => new(InputValueKind.Number, Number: n);

    private static InputValue Text(string s) => new(InputValueKind.Text, Text: s);

    private static InputValue Flag(bool b) => new(InputValueKind.Flag, Flag: b);

    private static ReadingInput HeartRate(double value = 72, string? unit = "/min") => new()
    {
        PatientId = "patient-42",
        DeviceId = "watch-7",
        Type = "heart_rate",
        Value = Number(value),
        Unit = unit,
        ObservedAt = "2026-11-21T09:59:00Z",
    };

    private static ReadingInput Quantity(string type, double value, string? unit) => new()
    {
        PatientId = "patient-42",
        Type = type,
        Value = Number(value),
        Unit = unit,
        ObservedAt = "2026-11-21T09:59:00Z",
    };

    private static ReadingInput Of(string? type = null, string? code = null, InputValue? value = null)
    {
        var input = new ReadingInput { PatientId = "patient-42", Type = type, Code = code, ObservedAt = "2026-11-21T09:59:00Z" };
        var known = VitalTypes.TryGetByName(type ?? "", out var t) || VitalTypes.TryGetByLoinc(code ?? "", out t);
        input.Value = value ?? (!known ? Number(1) : t.Kind switch
        {
            ValueKind.Quantity => Number((t.Min + t.Max) / 2),
            ValueKind.Acvpu => Text("A"),
            _ => Flag(true),
        });
        return input;
    }

    private static (Reading? Reading, List<FieldError> Errors) Validate(ReadingInput input, int? index = null)
    {
        var errors = new List<FieldError>();
        var reading = ReadingValidator.Validate(input, index, Now, errors);
        return (reading, errors);
    }

    private static Reading Valid(ReadingInput input)
    {
        var (reading, errors) = Validate(input);
        errors.ShouldBeEmpty();
        return reading.ShouldNotBeNull();
    }

    private static FieldError Invalid(ReadingInput input, int? index = null)
    {
        var (reading, errors) = Validate(input, index);
        reading.ShouldBeNull();
        return errors.ShouldHaveSingleItem();
    }

    // Type and LOINC code

    public static TheoryData<string> Names => new(VitalTypes.All.Select(t => t.Name));

    public static TheoryData<string, string> Codes =>
        new(VitalTypes.All.SelectMany(t => t.LoincCodes.Select(c => (t.Name, c))));

    [Theory]
    [MemberData(nameof(Names))]
    public void Every_vital_type_is_accepted_by_name(string name) =>
        Valid(Of(type: name)).Type.Name.ShouldBe(name);

    [Theory]
    [MemberData(nameof(Codes))]
    public void Every_vital_type_is_accepted_by_each_of_its_loinc_codes(string name, string code) =>
        Valid(Of(code: code)).Type.Name.ShouldBe(name);

    [Theory]
    [MemberData(nameof(Codes))]
    public void A_name_with_its_own_loinc_code_is_accepted(string name, string code) =>
        Valid(Of(type: name, code: code)).Type.Name.ShouldBe(name);

    [Theory]
    [InlineData("heart_rate", "8310-5")]
    [InlineData("temperature", "8867-4")]
    [InlineData("systolic_bp", "8462-4")]
    [InlineData("diastolic_bp", "8480-6")]
    [InlineData("spo2", "9279-1")]
    [InlineData("consciousness", "59408-5")]
    [InlineData("oxygen_supplement", "2708-6")]
    public void A_loinc_code_for_another_type_is_rejected_on_code(string name, string code)
    {
        var error = Invalid(Of(type: name, code: code));

        error.Field.ShouldBe("code");
        VitalTypes.TryGetByLoinc(code, out var byCode);
        error.Reason.ShouldBe($"LOINC {code} is {byCode.Name}, not {name}");
    }

    [Theory]
    [InlineData("pulse")]
    [InlineData("Heart_Rate")]
    [InlineData("")]
    [InlineData("8867-4")]
    public void An_unknown_type_is_rejected_on_type(string type)
    {
        var error = Invalid(Of(type: type));

        error.Field.ShouldBe("type");
        error.Reason.ShouldBe($"'{type}' is not a known vital type");
    }

    [Theory]
    [InlineData("8867-5")]
    [InlineData("heart_rate")]
    [InlineData("")]
    public void An_unknown_loinc_code_is_rejected_on_code(string code)
    {
        var error = Invalid(Of(code: code));

        error.Field.ShouldBe("code");
        error.Reason.ShouldBe($"'{code}' is not a LOINC code Vigil takes as a vital sign");
    }

    [Fact]
    public void An_unknown_code_is_rejected_even_with_a_known_type() =>
        Invalid(Of(type: "heart_rate", code: "0000-0")).Field.ShouldBe("code");

    [Fact]
    public void A_reading_without_type_or_code_is_rejected_on_type()
    {
        var error = Invalid(Of());

        error.Field.ShouldBe("type");
        error.Reason.ShouldBe("is required (or give a LOINC 'code')");
    }

    // Units

    [Fact]
    public void Temperature_in_degF_is_converted_to_Cel()
    {
        var reading = Valid(Quantity("temperature", 98.6, "[degF]"));

        reading.Value.ShouldNotBeNull().ShouldBe(37.0, 1e-9);
        reading.Unit.ShouldBe("Cel");
    }

    [Fact]
    public void Weight_in_lb_av_is_converted_to_kg_exactly()
    {
        var reading = Valid(Quantity("weight", 1, "[lb_av]"));

        reading.Value.ShouldBe(0.45359237);
        reading.Unit.ShouldBe("kg");
    }

    [Fact]
    public void Height_in_in_i_is_converted_to_cm_exactly()
    {
        var reading = Valid(Quantity("height", 1, "[in_i]"));

        reading.Value.ShouldBe(2.54);
        reading.Unit.ShouldBe("cm");
    }

    [Theory]
    [InlineData("systolic_bp")]
    [InlineData("diastolic_bp")]
    public void Blood_pressure_in_mmHg_is_accepted_as_mm_Hg(string type)
    {
        var reading = Valid(Quantity(type, 120, "mmHg"));

        reading.Value.ShouldBe(120);
        reading.Unit.ShouldBe("mm[Hg]");
    }

    [Fact]
    public void Weight_in_g_is_converted_to_kg()
    {
        var reading = Valid(Quantity("weight", 72_500, "g"));

        reading.Value.ShouldBe(72.5);
        reading.Unit.ShouldBe("kg");
    }

    [Fact]
    public void Height_in_m_is_converted_to_cm()
    {
        var reading = Valid(Quantity("height", 1.75, "m"));

        reading.Value.ShouldNotBeNull().ShouldBe(175, 1e-9);
        reading.Unit.ShouldBe("cm");
    }

    [Fact]
    public void Heart_rate_in_bpm_is_kept_as_per_minute()
    {
        var reading = Valid(HeartRate(72, "bpm"));

        reading.Value.ShouldBe(72);
        reading.Unit.ShouldBe("/min");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void An_omitted_unit_means_the_canonical_unit(string? unit)
    {
        var reading = Valid(Quantity("temperature", 37.2, unit));

        reading.Value.ShouldBe(37.2);
        reading.Unit.ShouldBe("Cel");
    }

    [Theory]
    [InlineData("heart_rate", "Cel", "'/min'")]
    [InlineData("temperature", "[degC]", "'Cel'")]
    [InlineData("temperature", "F", "'Cel'")]
    [InlineData("weight", "lb", "'kg'")]
    [InlineData("height", "in", "'cm'")]
    [InlineData("systolic_bp", "kPa", "'mm[Hg]'")]
    [InlineData("spo2", "fraction", "'%'")]
    [InlineData("consciousness", "%", "no unit")]
    [InlineData("oxygen_supplement", "L/min", "no unit")]
    public void An_unknown_unit_for_the_type_is_rejected_on_unit(string type, string unit, string expected)
    {
        var input = Of(type: type);
        input.Unit = unit;

        var error = Invalid(input);

        error.Field.ShouldBe("unit");
        error.Reason.ShouldBe($"'{unit}' is not a unit for {type} (expected {expected})");
    }

    // Plausibility

    [Theory]
    [InlineData(0)]
    [InlineData(350)]
    public void Heart_rate_at_the_edges_of_the_plausible_range_is_accepted(double bpm) =>
        Valid(HeartRate(bpm)).Value.ShouldBe(bpm);

    [Theory]
    [InlineData(-0.1, "-0.1 /min is outside the plausible range 0 to 350 /min")]
    [InlineData(350.1, "350.1 /min is outside the plausible range 0 to 350 /min")]
    [InlineData(-1000, "-1000 /min is outside the plausible range 0 to 350 /min")]
    [InlineData(1e6, "1000000 /min is outside the plausible range 0 to 350 /min")]
    [InlineData(350.12345, "350.123 /min is outside the plausible range 0 to 350 /min")]
    public void Heart_rate_outside_the_plausible_range_is_rejected_on_value(double bpm, string reason)
    {
        var error = Invalid(HeartRate(bpm));

        error.Field.ShouldBe("value");
        error.Reason.ShouldBe(reason);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(97)]
    [InlineData(100)]
    public void Spo2_up_to_100_percent_is_accepted(double percent) =>
        Valid(Quantity("spo2", percent, "%")).Value.ShouldBe(percent);

    [Theory]
    [InlineData(100.5)]
    [InlineData(101)]
    [InlineData(-1)]
    public void Spo2_outside_0_to_100_percent_is_rejected(double percent) =>
        Invalid(Quantity("spo2", percent, "%")).Field.ShouldBe("value");

    [Theory]
    [InlineData(20)]
    [InlineData(37)]
    [InlineData(45)]
    public void Temperature_from_20_to_45_Cel_is_accepted(double cel) =>
        Valid(Quantity("temperature", cel, "Cel")).Value.ShouldBe(cel);

    [Theory]
    [InlineData(19.99)]
    [InlineData(45.01)]
    [InlineData(98.6)] // Fahrenheit sent without its unit.
    public void Temperature_outside_20_to_45_Cel_is_rejected(double cel) =>
        Invalid(Quantity("temperature", cel, "Cel")).Field.ShouldBe("value");

    [Theory]
    [InlineData(68)]
    [InlineData(113)]
    public void Temperature_in_degF_at_the_converted_edges_is_accepted(double f) =>
        Valid(Quantity("temperature", f, "[degF]")).Value.ShouldNotBeNull().ShouldBeInRange(20, 45);

    [Theory]
    [InlineData(67.9, "19.944")]
    [InlineData(113.1, "45.056")]
    [InlineData(37, "2.778")] // Celsius sent as Fahrenheit.
    public void Temperature_in_degF_that_converts_outside_the_range_is_rejected(double f, string cel)
    {
        var error = Invalid(Quantity("temperature", f, "[degF]"));

        error.Field.ShouldBe("value");
        error.Reason.ShouldBe($"{cel} Cel is outside the plausible range 20 to 45 Cel");
    }

    [Fact]
    public void The_range_is_checked_after_conversion_to_the_canonical_unit()
    {
        // 1540 lb is 698.5 kg (plausible), 1545 lb is 700.8 kg (not): the raw numbers are both above 700.
        Valid(Quantity("weight", 1540, "[lb_av]")).Value.ShouldNotBeNull().ShouldBe(698.532, 0.001);
        Invalid(Quantity("weight", 1545, "[lb_av]")).Field.ShouldBe("value");

        // 300 cm is the limit: 118 in (299.72 cm) is fine, 118.2 in (300.228 cm) is not.
        Valid(Quantity("height", 118, "[in_i]")).Value.ShouldNotBeNull().ShouldBe(299.72, 1e-9);
        Invalid(Quantity("height", 118.2, "[in_i]")).Field.ShouldBe("value");
    }

    [Theory]
    [InlineData("respiratory_rate", 120, 120.5)]
    [InlineData("systolic_bp", 350, 351)]
    [InlineData("diastolic_bp", 300, 301)]
    [InlineData("weight", 700, 700.1)]
    [InlineData("height", 300, 300.1)]
    [InlineData("bmi", 250, 251)]
    [InlineData("steps", 250_000, 250_001)]
    public void Every_quantity_has_an_upper_limit(string type, double highest, double tooHigh)
    {
        Valid(Quantity(type, highest, null)).Value.ShouldBe(highest);
        Invalid(Quantity(type, tooHigh, null)).Field.ShouldBe("value");
        Invalid(Quantity(type, -1, null)).Field.ShouldBe("value");
    }

    // Value kinds

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_non_finite_number_is_rejected(double value)
    {
        var error = Invalid(HeartRate(value));

        error.Field.ShouldBe("value");
        error.Reason.ShouldBe("must be a finite number");
    }

    [Fact]
    public void Text_for_a_heart_rate_must_be_a_number()
    {
        var input = HeartRate();
        input.Value = Text("72");

        var error = Invalid(input);

        error.Field.ShouldBe("value");
        error.Reason.ShouldBe("must be a number");
    }

    [Theory]
    [InlineData(InputValueKind.Flag)]
    [InlineData(InputValueKind.Other)]
    public void Other_kinds_of_value_for_a_quantity_must_be_a_number(InputValueKind kind)
    {
        var input = HeartRate();
        input.Value = new InputValue(kind);

        Invalid(input).Reason.ShouldBe("must be a number");
    }

    [Theory]
    [InlineData(InputValueKind.Missing)]
    [InlineData(InputValueKind.Null)]
    public void A_missing_or_null_value_is_required(InputValueKind kind)
    {
        var input = HeartRate();
        input.Value = new InputValue(kind);

        var error = Invalid(input);

        error.Field.ShouldBe("value");
        error.Reason.ShouldBe("is required");
    }

    [Theory]
    [InlineData("A")]
    [InlineData("C")]
    [InlineData("V")]
    [InlineData("P")]
    [InlineData("U")]
    public void Consciousness_accepts_each_acvpu_level(string level)
    {
        var reading = Valid(Of(type: "consciousness", value: Text(level)));

        reading.Text.ShouldBe(level);
        reading.Value.ShouldBeNull();
        reading.Unit.ShouldBeNull();
    }

    [Theory]
    [InlineData("a")]
    [InlineData("u")]
    [InlineData("Alert")]
    [InlineData("AC")]
    [InlineData(" A")]
    [InlineData("")]
    [InlineData("X")]
    [InlineData("1")]
    public void Consciousness_rejects_other_text(string text)
    {
        var error = Invalid(Of(type: "consciousness", value: Text(text)));

        error.Field.ShouldBe("value");
        error.Reason.ShouldBe("must be one of \"A\", \"C\", \"V\", \"P\", \"U\" (ACVPU)");
    }

    [Fact]
    public void Consciousness_rejects_a_number() =>
        Invalid(Of(type: "consciousness", value: Number(1))).Field.ShouldBe("value");

    [Fact]
    public void Consciousness_rejects_a_missing_value() =>
        Invalid(Of(type: "consciousness", value: InputValue.Missing)).Field.ShouldBe("value");

    [Theory]
    [InlineData(true, 1)]
    [InlineData(false, 0)]
    public void Oxygen_supplement_stores_true_as_1_and_false_as_0(bool flag, double stored)
    {
        var reading = Valid(Of(type: "oxygen_supplement", value: Flag(flag)));

        reading.Value.ShouldBe(stored);
        reading.Text.ShouldBeNull();
        reading.Unit.ShouldBeNull();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public void Oxygen_supplement_rejects_numbers(double n)
    {
        var error = Invalid(Of(type: "oxygen_supplement", value: Number(n)));

        error.Field.ShouldBe("value");
        error.Reason.ShouldBe("must be true or false");
    }

    [Fact]
    public void Oxygen_supplement_rejects_text() =>
        Invalid(Of(type: "oxygen_supplement", value: Text("true"))).Reason.ShouldBe("must be true or false");

    [Fact]
    public void Oxygen_supplement_rejects_a_missing_value() =>
        Invalid(Of(type: "oxygen_supplement", value: InputValue.Missing)).Reason.ShouldBe("must be true or false");

    // observedAt

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("", "is required")]
    [InlineData("2026-11-21T10:00:00", "must be an ISO 8601 date-time with an offset, e.g. 2026-11-21T10:00:00Z")]
    [InlineData("last tuesday", "must be an ISO 8601 date-time with an offset, e.g. 2026-11-21T10:00:00Z")]
    [InlineData("2026-11-21T10:06:00Z", "must not be more than 5 minutes in the future")]
    [InlineData("1969-07-20T20:17:00Z", "must not be before 1970-01-01")]
    public void A_bad_observed_at_is_rejected_on_observedAt(string? observedAt, string reason)
    {
        var input = HeartRate();
        input.ObservedAt = observedAt;

        var error = Invalid(input);

        error.Field.ShouldBe("observedAt");
        error.Reason.ShouldBe(reason);
    }

    [Fact]
    public void An_observed_at_4_minutes_ahead_is_accepted()
    {
        var input = HeartRate();
        input.ObservedAt = "2026-11-21T10:04:00Z";

        Valid(input).ObservedAt.ShouldBe(Now.AddMinutes(4));
    }

    [Fact]
    public void An_observed_at_with_an_offset_is_stored_in_utc()
    {
        var input = HeartRate();
        input.ObservedAt = "2026-11-21T04:30:00-05:00";

        var observedAt = Valid(input).ObservedAt;

        observedAt.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.Zero));
        observedAt.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void An_observed_at_is_truncated_to_microseconds()
    {
        var input = HeartRate();
        input.ObservedAt = "2026-11-21T09:00:00.9999999Z";

        Valid(input).ObservedAt.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero).AddTicks(9_999_990));
    }

    // Identifiers

    [Fact]
    public void A_valid_reading_keeps_its_fields()
    {
        var input = HeartRate(61.5);
        input.Id = "r-1";

        var reading = Valid(input);

        reading.Id.ShouldBe("r-1");
        reading.PatientId.ShouldBe("patient-42");
        reading.DeviceId.ShouldBe("watch-7");
        reading.Type.ShouldBeSameAs(VitalTypes.HeartRate);
        reading.Value.ShouldBe(61.5);
        reading.Text.ShouldBeNull();
        reading.ObservedAt.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 59, 0, TimeSpan.Zero));
    }

    [Fact]
    public void A_valid_reading_without_an_id_gets_a_generated_uuid_v7()
    {
        var id = Valid(HeartRate()).Id;

        id.ShouldMatch("^[0-9a-f]{32}$");
        Guid.ParseExact(id, "N").Version.ShouldBe(7);
    }

    [Fact]
    public void Two_readings_without_ids_get_different_ids() =>
        Valid(HeartRate()).Id.ShouldNotBe(Valid(HeartRate()).Id);

    [Fact]
    public void The_device_id_is_optional() =>
        Valid(Quantity("heart_rate", 72, null)).DeviceId.ShouldBeNull();

    [Fact]
    public void A_missing_patient_id_is_required()
    {
        var input = HeartRate();
        input.PatientId = null;

        var error = Invalid(input);

        error.Field.ShouldBe("patientId");
        error.Reason.ShouldBe("is required");
    }

    [Theory]
    [InlineData("id")]
    [InlineData("patientId")]
    [InlineData("deviceId")]
    public void An_invalid_identifier_is_rejected_on_its_field(string field)
    {
        foreach (var bad in new[] { "", "a/b", "a b", new string('x', 129) })
        {
            var input = HeartRate();
            switch (field)
            {
                case "id": input.Id = bad; break;
                case "patientId": input.PatientId = bad; break;
                default: input.DeviceId = bad; break;
            }

            var error = Invalid(input);

            error.Field.ShouldBe(field);
            error.Reason.ShouldBe(Identifiers.Rule);
        }
    }

    [Fact]
    public void An_id_of_128_characters_is_kept()
    {
        var input = HeartRate();
        input.Id = new string('r', 128);

        Valid(input).Id.ShouldBe(input.Id);
    }

    // Errors

    [Theory]
    [InlineData(null)]
    [InlineData(0)]
    [InlineData(7)]
    public void Errors_carry_the_index_passed_in(int? index) =>
        Invalid(HeartRate(-5), index).Index.ShouldBe(index);

    [Fact]
    public void Several_bad_fields_give_one_error_each()
    {
        var input = new ReadingInput
        {
            Id = "bad id",
            PatientId = null,
            DeviceId = "dev/1",
            Type = "heart_rate",
            Value = Number(72),
            Unit = "Cel",
            ObservedAt = "2026-11-21T10:00:00",
        };

        var (reading, errors) = Validate(input, 3);

        reading.ShouldBeNull();
        errors.Select(e => e.Field).ShouldBe(["id", "patientId", "deviceId", "unit", "observedAt"]);
        errors.ShouldAllBe(e => e.Index == 3);
    }

    [Fact]
    public void A_bad_value_and_a_bad_time_both_get_errors()
    {
        var input = HeartRate(400);
        input.ObservedAt = "2026-11-21T11:00:00Z";

        var (_, errors) = Validate(input);

        errors.Select(e => e.Field).ShouldBe(["value", "observedAt"]);
    }

    [Fact]
    public void Errors_are_appended_to_those_already_in_the_list()
    {
        var earlier = new FieldError(0, "value", "is required");
        var errors = new List<FieldError> { earlier };

        var reading = ReadingValidator.Validate(HeartRate(-1), 1, Now, errors);

        reading.ShouldBeNull();
        errors.Count.ShouldBe(2);
        errors[0].ShouldBe(earlier);
        errors[1].Index.ShouldBe(1);
    }

    [Fact]
    public void A_valid_reading_is_returned_even_when_earlier_items_had_errors()
    {
        var errors = new List<FieldError> { new(0, "value", "is required") };

        var reading = ReadingValidator.Validate(HeartRate(), 1, Now, errors);

        reading.ShouldNotBeNull();
        errors.Count.ShouldBe(1);
    }

    // Idempotent resends

    [Fact]
    public void The_same_observation_sent_twice_has_the_same_content()
    {
        var first = Valid(HeartRate(72, "bpm"));
        var second = Valid(HeartRate(72, "/min"));

        first.Id.ShouldNotBe(second.Id);
        first.SameContentAs(second).ShouldBeTrue();
    }

    [Fact]
    public void A_different_value_is_different_content() =>
        Valid(HeartRate(72)).SameContentAs(Valid(HeartRate(73))).ShouldBeFalse();
}

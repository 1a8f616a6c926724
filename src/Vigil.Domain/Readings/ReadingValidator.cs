using System.Globalization;

namespace Vigil.Domain.Readings;

/// <summary>
/// Turns wire readings into normalised <see cref="Reading"/>s: known type (by name or LOINC code), value of the
/// right kind and within plausibility after unit conversion, unit known for the type, event time with an offset and
/// not in the future. Whether the patient belongs to the caller's customer is checked by the store, in the
/// transaction that writes the reading.
/// </summary>
public static class ReadingValidator
{
    public static Reading? Validate(ReadingInput input, int? index, DateTimeOffset now, List<FieldError> errors)
    {
        var before = errors.Count;
        void Fail(string field, string reason) => errors.Add(new FieldError(index, field, reason));

        if (input.Id is not null && !Identifiers.IsValid(input.Id))
        {
            Fail("id", Identifiers.Rule);
        }

        if (input.PatientId is null)
        {
            Fail("patientId", "is required");
        }
        else if (!Identifiers.IsValid(input.PatientId))
        {
            Fail("patientId", Identifiers.Rule);
        }

        if (input.DeviceId is not null && !Identifiers.IsValid(input.DeviceId))
        {
            Fail("deviceId", Identifiers.Rule);
        }

        var type = ResolveType(input, Fail);

        double? value = null;
        string? text = null;
        if (type is not null)
        {
            if (!type.AcceptsUnit(input.Unit))
            {
                var expected = type.Unit is null ? "no unit" : $"'{type.Unit}'";
                Fail("unit", $"'{input.Unit}' is not a unit for {type.Name} (expected {expected})");
            }
            else
            {
                (value, text) = ValidateValue(type, input, Fail);
            }
        }

        var timeError = EventTime.TryParse(input.ObservedAt, now, out var observedAt);
        if (timeError is not null)
        {
            Fail("observedAt", timeError);
        }

        if (errors.Count > before)
        {
            return null;
        }

        return new Reading(input.Id ?? Identifiers.New(), input.PatientId!, input.DeviceId, type!, value, text, observedAt);
    }

    private static VitalType? ResolveType(ReadingInput input, Action<string, string> fail)
    {
        VitalType? byName = null, byCode = null;
        var unknown = false;
        if (input.Type is not null && !VitalTypes.TryGetByName(input.Type, out byName))
        {
            fail("type", $"'{input.Type}' is not a known vital type");
            unknown = true;
        }

        if (input.Code is not null && !VitalTypes.TryGetByLoinc(input.Code, out byCode))
        {
            fail("code", $"'{input.Code}' is not a LOINC code Vigil takes as a vital sign");
            unknown = true;
        }

        if (unknown)
        {
            return null;
        }

        if (byName is null && byCode is null)
        {
            fail("type", "is required (or give a LOINC 'code')");
            return null;
        }

        if (byName is not null && byCode is not null && byName != byCode)
        {
            fail("code", $"LOINC {input.Code} is {byCode.Name}, not {byName.Name}");
            return null;
        }

        return byName ?? byCode;
    }

    private static (double? Value, string? Text) ValidateValue(VitalType type, ReadingInput input, Action<string, string> fail)
    {
        var v = input.Value;
        switch (type.Kind)
        {
            case ValueKind.Quantity:
                if (v.Kind != InputValueKind.Number)
                {
                    fail("value", v.Kind is InputValueKind.Missing or InputValueKind.Null ? "is required" : "must be a number");
                    return default;
                }

                if (!double.IsFinite(v.Number) || !type.TryConvert(input.Unit, v.Number, out var canonical))
                {
                    fail("value", "must be a finite number");
                    return default;
                }

                if (canonical < type.Min || canonical > type.Max)
                {
                    fail("value", string.Create(CultureInfo.InvariantCulture,
                        $"{canonical:0.###} {type.Unit} is outside the plausible range {type.Min} to {type.Max} {type.Unit}"));
                    return default;
                }

                return (canonical, null);

            case ValueKind.Acvpu:
                if (v.Kind != InputValueKind.Text || v.Text is not ("A" or "C" or "V" or "P" or "U"))
                {
                    fail("value", "must be one of \"A\", \"C\", \"V\", \"P\", \"U\" (ACVPU)");
                    return default;
                }

                return (null, v.Text);

            default:
                if (v.Kind != InputValueKind.Flag)
                {
                    fail("value", "must be true or false");
                    return default;
                }

                return (v.Flag ? 1 : 0, null);
        }
    }
}

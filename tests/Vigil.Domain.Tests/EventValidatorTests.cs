using System.Text;
using Vigil.Domain.Events;

namespace Vigil.Domain.Tests;

public sealed class EventValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 21, 10, 0, 0, TimeSpan.Zero);

    private static EventInput Fall() => new()
    {
        PatientId = "patient-42",
        Type = "fall_detected",
        Data = """{"room":"3b","severity":2}""",
        Ts = "2026-11-21T09:58:00Z",
    };

    private static (ClinicalEvent? Event, List<FieldError> Errors) Validate(EventInput input, int? index = null)
    {
        var errors = new List<FieldError>();
        var e = EventValidator.Validate(input, index, Now, errors);
        return (e, errors);
    }

    private static ClinicalEvent Valid(EventInput input)
    {
        var (e, errors) = Validate(input);
        errors.ShouldBeEmpty();
        return e.ShouldNotBeNull();
    }

    private static FieldError Invalid(EventInput input, int? index = null)
    {
        var (e, errors) = Validate(input, index);
        e.ShouldBeNull();
        return errors.ShouldHaveSingleItem();
    }

    /// <summary>A JSON object whose compact form is exactly <paramref name="length"/> characters of <paramref name="filler"/> padding.</summary>
    private static string ObjectOfLength(int length, char filler = 'x')
    {
        const string Start = "{\"n\":\"", End = "\"}";
        return Start + new string(filler, length - Start.Length - End.Length) + End;
    }

    [Fact]
    public void A_valid_event_keeps_its_fields()
    {
        var input = Fall();
        input.EventId = "ev-1";

        var e = Valid(input);

        e.EventId.ShouldBe("ev-1");
        e.PatientId.ShouldBe("patient-42");
        e.Type.ShouldBe("fall_detected");
        e.Data.ShouldBe("""{"room":"3b","severity":2}""");
        e.Ts.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 58, 0, TimeSpan.Zero));
    }

    [Fact]
    public void An_event_without_an_id_gets_a_generated_uuid_v7()
    {
        var id = Valid(Fall()).EventId;

        id.ShouldMatch("^[0-9a-f]{32}$");
        Guid.ParseExact(id, "N").Version.ShouldBe(7);
    }

    [Fact]
    public void Two_events_without_ids_get_different_ids() =>
        Valid(Fall()).EventId.ShouldNotBe(Valid(Fall()).EventId);

    [Theory]
    [InlineData("")]
    [InlineData("ev 1")]
    [InlineData("ev/1")]
    public void An_invalid_event_id_is_rejected_on_eventId(string id)
    {
        var input = Fall();
        input.EventId = id;

        var error = Invalid(input);

        error.Field.ShouldBe("eventId");
        error.Reason.ShouldBe(Identifiers.Rule);
    }

    [Fact]
    public void An_event_id_of_129_characters_is_rejected()
    {
        var input = Fall();
        input.EventId = new string('e', 129);

        Invalid(input).Field.ShouldBe("eventId");
    }

    [Fact]
    public void A_missing_patient_id_is_required()
    {
        var input = Fall();
        input.PatientId = null;

        var error = Invalid(input);

        error.Field.ShouldBe("patientId");
        error.Reason.ShouldBe("is required");
    }

    [Theory]
    [InlineData("")]
    [InlineData("patient 42")]
    [InlineData("ward/patient")]
    public void An_invalid_patient_id_is_rejected_on_patientId(string patientId)
    {
        var input = Fall();
        input.PatientId = patientId;

        var error = Invalid(input);

        error.Field.ShouldBe("patientId");
        error.Reason.ShouldBe(Identifiers.Rule);
    }

    [Fact]
    public void A_missing_type_is_required()
    {
        var input = Fall();
        input.Type = null;

        var error = Invalid(input);

        error.Field.ShouldBe("type");
        error.Reason.ShouldBe("is required");
    }

    [Theory]
    [InlineData("a")]
    [InlineData("admission")]
    [InlineData("fall_detected")]
    [InlineData("medication_given_2")]
    [InlineData("_")]
    [InlineData("2024")]
    public void Type_names_of_lower_case_letters_digits_and_underscores_are_accepted(string type) =>
        Valid(TypeOf(type)).Type.ShouldBe(type);

    [Fact]
    public void A_type_name_of_64_characters_is_accepted() =>
        Valid(TypeOf(new string('t', 64))).Type.Length.ShouldBe(64);

    [Theory]
    [InlineData("")]
    [InlineData("Fall")]
    [InlineData("FALL_DETECTED")]
    [InlineData("fall-detected")]
    [InlineData("fall.detected")]
    [InlineData("fall detected")]
    [InlineData("chute_détectée")]
    [InlineData("fall_detected ")]
    public void Other_type_names_are_rejected_on_type(string type)
    {
        var error = Invalid(TypeOf(type));

        error.Field.ShouldBe("type");
        error.Reason.ShouldBe("must be 1 to 64 characters of lower-case letters, digits and _");
    }

    [Fact]
    public void A_type_name_of_65_characters_is_rejected() =>
        Invalid(TypeOf(new string('t', 65))).Field.ShouldBe("type");

    [Fact]
    public void Data_that_was_not_an_object_is_rejected_on_data()
    {
        var input = Fall();
        input.Data = null;
        input.DataWasNotObject = true;

        var error = Invalid(input);

        error.Field.ShouldBe("data");
        error.Reason.ShouldBe("must be a JSON object");
    }

    [Fact]
    public void Missing_data_becomes_an_empty_object()
    {
        var input = Fall();
        input.Data = null;

        Valid(input).Data.ShouldBe("{}");
    }

    [Fact]
    public void Data_of_exactly_64_KiB_is_accepted()
    {
        var input = Fall();
        input.Data = ObjectOfLength(EventValidator.MaxDataBytes);

        Valid(input).Data.Length.ShouldBe(65_536);
    }

    [Fact]
    public void Data_one_byte_over_64_KiB_is_rejected_on_data()
    {
        var input = Fall();
        input.Data = ObjectOfLength(EventValidator.MaxDataBytes + 1);

        var error = Invalid(input);

        error.Field.ShouldBe("data");
        error.Reason.ShouldBe("must be at most 64 KiB");
    }

    [Fact]
    public void The_data_limit_is_64_KiB() => EventValidator.MaxDataBytes.ShouldBe(64 * 1024);

    // The limit is named and reported in bytes, but EventValidator compares string.Length (UTF-16 code units):
    // 40,000 'é' are 40,008 characters and 80,008 UTF-8 bytes.
    [Fact]
    public void Non_ascii_data_over_64_KiB_in_utf8_is_rejected_on_data()
    {
        var input = Fall();
        input.Data = ObjectOfLength(40_008, 'é');
        Encoding.UTF8.GetByteCount(input.Data).ShouldBeGreaterThan(EventValidator.MaxDataBytes);

        Invalid(input).Field.ShouldBe("data");
    }

    [Theory]
    [InlineData(null, "is required")]
    [InlineData("2026-11-21T10:00:00", "must be an ISO 8601 date-time with an offset, e.g. 2026-11-21T10:00:00Z")]
    [InlineData("soon", "must be an ISO 8601 date-time with an offset, e.g. 2026-11-21T10:00:00Z")]
    [InlineData("2026-11-21T10:06:00Z", "must not be more than 5 minutes in the future")]
    [InlineData("1969-12-31T23:59:59Z", "must not be before 1970-01-01")]
    public void A_bad_ts_is_rejected_on_ts(string? ts, string reason)
    {
        var input = Fall();
        input.Ts = ts;

        var error = Invalid(input);

        error.Field.ShouldBe("ts");
        error.Reason.ShouldBe(reason);
    }

    [Fact]
    public void A_ts_4_minutes_ahead_is_accepted()
    {
        var input = Fall();
        input.Ts = "2026-11-21T10:04:00Z";

        Valid(input).Ts.ShouldBe(Now.AddMinutes(4));
    }

    [Fact]
    public void A_ts_with_an_offset_is_stored_in_utc_truncated_to_microseconds()
    {
        var input = Fall();
        input.Ts = "2026-11-21T10:30:00.1234567+01:00";

        var ts = Valid(input).Ts;

        ts.ShouldBe(new DateTimeOffset(2026, 11, 21, 9, 30, 0, TimeSpan.Zero).AddTicks(1_234_560));
        ts.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(4)]
    public void Errors_carry_the_index_passed_in(int? index)
    {
        var input = Fall();
        input.Type = "Bad";

        Invalid(input, index).Index.ShouldBe(index);
    }

    [Fact]
    public void Several_bad_fields_give_one_error_each()
    {
        var input = new EventInput { EventId = "a b", Type = "X", DataWasNotObject = true, Ts = "later" };

        var (e, errors) = Validate(input, 2);

        e.ShouldBeNull();
        errors.Select(x => x.Field).ShouldBe(["eventId", "patientId", "type", "data", "ts"]);
        errors.ShouldAllBe(x => x.Index == 2);
    }

    [Fact]
    public void A_valid_event_is_returned_even_when_earlier_items_had_errors()
    {
        var errors = new List<FieldError> { new(0, "ts", "is required") };

        EventValidator.Validate(Fall(), 1, Now, errors).ShouldNotBeNull();
        errors.Count.ShouldBe(1);
    }

    [Fact]
    public void The_same_event_sent_twice_has_the_same_content()
    {
        var first = Valid(Fall());
        var second = Valid(Fall());

        first.SameContentAs(second).ShouldBeTrue();
        first.SameContentAs(second with { Data = "{}" }).ShouldBeFalse();
    }

    private static EventInput TypeOf(string type)
    {
        var input = Fall();
        input.Type = type;
        return input;
    }
}

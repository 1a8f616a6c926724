namespace Vigil.Domain.Events;

/// <summary>Validates clinical events: id and patient as identifiers, a type name, a data object, an event time.</summary>
public static class EventValidator
{
    public const int MaxDataBytes = 64 * 1024;

    public static ClinicalEvent? Validate(EventInput input, int? index, DateTimeOffset now, List<FieldError> errors)
    {
        var before = errors.Count;
        void Fail(string field, string reason) => errors.Add(new FieldError(index, field, reason));

        if (input.EventId is not null && !Identifiers.IsValid(input.EventId))
        {
            Fail("eventId", Identifiers.Rule);
        }

        if (input.PatientId is null)
        {
            Fail("patientId", "is required");
        }
        else if (!Identifiers.IsValid(input.PatientId))
        {
            Fail("patientId", Identifiers.Rule);
        }

        if (input.Type is null)
        {
            Fail("type", "is required");
        }
        else if (!IsTypeName(input.Type))
        {
            Fail("type", "must be 1 to 64 characters of lower-case letters, digits and _");
        }

        if (input.DataWasNotObject)
        {
            Fail("data", "must be a JSON object");
        }
        else if (input.Data is not null && System.Text.Encoding.UTF8.GetByteCount(input.Data) > MaxDataBytes)
        {
            Fail("data", "must be at most 64 KiB");
        }

        var timeError = EventTime.TryParse(input.Ts, now, out var ts);
        if (timeError is not null)
        {
            Fail("ts", timeError);
        }

        return errors.Count > before
            ? null
            : new ClinicalEvent(input.EventId ?? Identifiers.New(), input.PatientId!, input.Type!, input.Data ?? "{}", ts);
    }

    private static bool IsTypeName(string type) =>
        type.Length is > 0 and <= 64 && type.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_');
}

using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Vigil.Domain;
using Vigil.Domain.Readings;

namespace Vigil.Hl7;

/// <summary>Where in a message something is (HL7's ERL: segment id, its occurrence, field) and what is wrong with it.</summary>
internal sealed record Hl7Error(string Segment, int Sequence, int Field, Hl7ErrorCode Code, string Text);

/// <summary>HL7 table 0357, message error condition codes.</summary>
internal enum Hl7ErrorCode
{
    SegmentSequenceError = 100,
    RequiredFieldMissing = 101,
    DataTypeError = 102,
    TableValueNotFound = 103,
    UnsupportedMessageType = 200,
    UnsupportedEventCode = 201,
    UnsupportedProcessingId = 202,
    UnsupportedVersionId = 203,
    UnknownKeyIdentifier = 204,
    DuplicateKeyIdentifier = 205,
    ApplicationInternalError = 207,
}

/// <summary>
/// The readings of an ORU^R01: each OBX with a numeric value (NM, or SN holding one plain number) whose OBX-3 names a
/// vital type Vigil takes becomes a reading of the patient of the PID before it, at OBX-14 (else the OBR-7 of its
/// order, else MSH-7). Observations of other types, other codes, or with a result status saying there is no valid
/// value (OBX-11 X, D, W, N, I) are skipped. Every reading goes through <see cref="ReadingValidator"/>, as
/// <c>POST /api/v1/readings</c> does; its errors come back located in the message.
/// </summary>
internal static class OruReadings
{
    public sealed record Result(List<Reading> Readings, List<Hl7Error> Errors, int Skipped, List<Source> Sources);

    /// <summary>Where a reading came from: its OBX (occurrence) and the segment and field its time was taken from.</summary>
    public sealed record Source(int Obx, int Pid, string TimeSegment, int TimeSequence, int TimeField);

    /// <summary>
    /// <paramref name="patients"/> holds, per PID occurrence, the Vigil patient its PID-3 identifies (null: none).
    /// <paramref name="idPrefix"/> makes the reading ids: the sender and MSH-10, so a resent message has the same ids.
    /// </summary>
    public static Result Read(Hl7Message message, IReadOnlyDictionary<int, string?> patients, string idPrefix, DateTimeOffset now)
    {
        var readings = new List<Reading>();
        var sources = new List<Source>();
        var errors = new List<Hl7Error>();
        var skipped = 0;
        var header = message.Header;
        var senderOffset = Hl7Time.OffsetOf(header.Value(7));
        var counts = new Dictionary<string, int>();
        (int Sequence, string? Patient)? pid = null;
        (int Sequence, string Time)? obr = null;
        foreach (var segment in message.Segments)
        {
            var sequence = counts[segment.Id] = counts.GetValueOrDefault(segment.Id) + 1;
            switch (segment.Id)
            {
                case "PID":
                    pid = (sequence, patients.GetValueOrDefault(sequence));
                    obr = null;
                    if (pid.Value.Patient is null)
                    {
                        errors.Add(segment.Raw(3).Length == 0
                            ? new Hl7Error("PID", sequence, 3, Hl7ErrorCode.RequiredFieldMissing, "PID-3 (patient identifier list) is required")
                            : new Hl7Error("PID", sequence, 3, Hl7ErrorCode.UnknownKeyIdentifier,
                                $"no patient of this customer has the MRN or id {string.Join(" or ", PatientIdentifiers(segment).Select(i => $"'{i}'"))}"));
                    }

                    break;
                case "OBR":
                    obr = (sequence, segment.Value(7));
                    break;
                case "OBX":
                    var before = errors.Count;
                    if (ReadObservation(segment, sequence, pid, obr, header, senderOffset, idPrefix, now, errors) is { } item)
                    {
                        readings.Add(item.Reading);
                        sources.Add(item.Source);
                    }
                    else if (errors.Count == before && pid?.Patient is not null)
                    {
                        skipped++;
                    }

                    break;
            }
        }

        if (pid is null)
        {
            errors.Add(new Hl7Error("PID", 1, 3, Hl7ErrorCode.SegmentSequenceError, "an ORU^R01 needs a PID segment (patient) before its observations"));
        }

        return new Result(readings, errors, skipped, sources);
    }

    private static (Reading Reading, Source Source)? ReadObservation(
        Hl7Segment obx, int sequence, (int Sequence, string? Patient)? pid, (int Sequence, string Time)? obr, Hl7Segment header,
        TimeSpan? senderOffset, string idPrefix, DateTimeOffset now, List<Hl7Error> errors)
    {
        void Fail(int field, Hl7ErrorCode code, string text) => errors.Add(new Hl7Error("OBX", sequence, field, code, text));

        var valueType = obx.Value(2);
        if (obx.Value(11) is "X" or "D" or "W" or "N" or "I" || valueType is not ("NM" or "SN"))
        {
            return null;
        }

        var type = Hl7Codes.Observation(c => obx.Value(3, c));
        if (type is null || type.Kind != ValueKind.Quantity)
        {
            return null;
        }

        double number;
        var raw = valueType == "NM" ? obx.Value(5) : "";
        if (valueType == "SN")
        {
            // SN: comparator ^ number ^ separator/suffix ^ number. Only a plain "=" or no comparator, one number, is a value.
            var (comparator, first, separator, second) = (obx.Value(5, 1), obx.Value(5, 2), obx.Value(5, 3), obx.Value(5, 4));
            if (comparator is not ("" or "=") || separator.Length > 0 || second.Length > 0)
            {
                return null;
            }

            raw = first;
        }

        if (!double.TryParse(raw.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite,
                CultureInfo.InvariantCulture, out number))
        {
            Fail(5, raw.Length == 0 ? Hl7ErrorCode.RequiredFieldMissing : Hl7ErrorCode.DataTypeError,
                raw.Length == 0 ? $"OBX-5 has no value for {type.Name}" : $"OBX-5 '{raw}' is not a number ({valueType})");
            return null;
        }

        var unitCode = obx.Value(6, 1);
        string? unit = null;
        if (unitCode.Length > 0 || obx.Value(6, 2).Length > 0)
        {
            if (Hl7Codes.Unit(unitCode, obx.Value(6, 2)) is { } mapped)
            {
                unit = mapped.Ucum;
                number *= mapped.Factor;
            }
            else
            {
                unit = unitCode.Length > 0 ? unitCode : obx.Value(6, 2);
            }
        }

        var (timeSegment, timeSequence, timeField, timeValue) = obx.Value(14).Length > 0 ? ("OBX", sequence, 14, obx.Value(14))
            : obr is { Time.Length: > 0 } o ? ("OBR", o.Sequence, 7, o.Time)
            : ("MSH", 1, 7, header.Value(7));
        var source = new Source(sequence, pid?.Sequence ?? 1, timeSegment, timeSequence, timeField);
        if (Hl7Time.Parse(timeValue, senderOffset, out var timeError) is not { } observedAt)
        {
            errors.Add(new Hl7Error(timeSegment, timeSequence, timeField, timeValue.Length == 0 ? Hl7ErrorCode.RequiredFieldMissing : Hl7ErrorCode.DataTypeError,
                timeValue.Length == 0 ? $"no observation time: OBX-14, OBR-7 and MSH-7 are empty" : $"{timeSegment}-{timeField} {timeError}"));
            return null;
        }

        if (pid?.Patient is not { } patientId)
        {
            // The PID's own error says why; the observation has no patient to belong to.
            return null;
        }

        var input = new ReadingInput
        {
            Id = ReadingId(idPrefix, sequence),
            PatientId = patientId,
            Type = type.Name,
            Value = new InputValue(InputValueKind.Number, number),
            Unit = unit,
            ObservedAt = observedAt.ToString("O", CultureInfo.InvariantCulture),
        };
        var found = new List<FieldError>();
        if (ReadingValidator.Validate(input, null, now, found) is { } reading)
        {
            return (reading, source);
        }

        foreach (var e in found)
        {
            var (segment, seq, field) = Locate(e.Field, source);
            errors.Add(new Hl7Error(segment, seq, field, Hl7ErrorCode.DataTypeError, $"{type.Name}: {Describe(e.Field, source)} {e.Reason}"));
        }

        return null;
    }

    /// <summary>The identifiers PID-3 lists (CX.1 of each repetition), in order.</summary>
    public static IReadOnlyList<string> PatientIdentifiers(Hl7Segment pid) =>
        pid.Repetitions(3).Select(r => pid.Part(r, 1).Trim()).Where(id => id.Length > 0).Distinct().ToList();

    /// <summary>Where a validator's field is in the message, for the reading from <paramref name="source"/>.</summary>
    public static (string Segment, int Sequence, int Field) Locate(string field, Source source) => field switch
    {
        "id" => ("MSH", 1, 10),
        "patientId" => ("PID", source.Pid, 3),
        "unit" => ("OBX", source.Obx, 6),
        "observedAt" => (source.TimeSegment, source.TimeSequence, source.TimeField),
        "type" or "code" => ("OBX", source.Obx, 3),
        _ => ("OBX", source.Obx, 5),
    };

    private static string Describe(string field, Source source)
    {
        var (segment, _, number) = Locate(field, source);
        return $"{segment}-{number}";
    }

    /// <summary>
    /// A reading's id: <c>hl7:</c> sender, MSH-10 and the OBX's occurrence, when those are identifier characters and fit;
    /// otherwise <c>hl7x:</c> and a SHA-256 of them, so any MSH-10 gives a stable, valid id.
    /// </summary>
    public static string ReadingId(string idPrefix, int obx)
    {
        var id = $"hl7:{idPrefix}:{obx.ToString(CultureInfo.InvariantCulture)}";
        return Identifiers.IsValid(id)
            ? id
            : "hl7x:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)))[..40];
    }
}

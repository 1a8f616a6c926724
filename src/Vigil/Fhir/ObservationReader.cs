using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Readings;

namespace Vigil.Fhir;

/// <summary>One vital-sign value an Observation carries: the whole Observation, or a blood pressure panel's component.</summary>
internal sealed record ObservationPart(VitalType Type, string Code, InputValue Value, string? Unit, string ValuePath, string UnitPath, string Raw);

/// <summary>
/// An Observation (FHIR R4, vital-signs profile) read into what Vigil stores: zero, one or (a blood pressure panel)
/// two readings. Codes that are not vital signs Vigil keeps are left aside with an information issue, not refused.
/// </summary>
internal sealed class ParsedObservation
{
    public const string Resource = "Observation";

    /// <summary>LOINC blood pressure panels whose systolic and diastolic components become two readings.</summary>
    public static readonly IReadOnlySet<string> PanelCodes = new HashSet<string> { "85354-9", "55284-4" };

    public string? ResourceId { get; private set; }

    public string? IdentifierKey { get; private set; }

    public PatientReference? Subject { get; private set; }

    public string? DeviceId { get; private set; }

    public string? Effective { get; private set; }

    public string EffectivePath { get; private set; } = "Observation.effectiveDateTime";

    public string? PanelCode { get; private set; }

    public List<ObservationPart> Parts { get; } = [];

    public List<Issue> Issues { get; } = [];

    public bool HasErrors => Issues.Any(i => i.IsError);

    public static ParsedObservation Read(JsonElement resource)
    {
        var o = new ParsedObservation();
        o.ReadInto(resource);
        return o;
    }

    private void ReadInto(JsonElement r)
    {
        const string P = Resource;
        var issues = Issues;
        if (r.ValueKind != JsonValueKind.Object || FhirElement.String(r, "resourceType", P, issues) != Resource)
        {
            issues.Add(Issue.Error(P, "must be a FHIR Observation (resourceType \"Observation\")", "structure"));
            return;
        }

        ResourceId = FhirElement.String(r, "id", P, issues);
        if (ResourceId is not null && !FhirElement.Id().IsMatch(ResourceId))
        {
            issues.Add(Issue.Error($"{P}.id", "must be 1 to 64 letters, digits, '-' or '.' (FHIR id)"));
        }

        foreach (var (item, path) in FhirElement.Items(r, "identifier", P, issues))
        {
            if (FhirElement.String(item, "value", path, issues) is { } value)
            {
                IdentifierKey = $"{FhirElement.String(item, "system", path, issues)}|{value}";
                break;
            }
        }

        var status = FhirElement.String(r, "status", P, issues);
        if (status is null)
        {
            issues.Add(Issue.Error($"{P}.status", "is required", "required"));
        }

        ReadSubject(r);
        ReadEffective(r);
        if (FhirElement.TryGet(r, "device", JsonValueKind.Object, P, issues, out var device)
            && FhirElement.String(device, "reference", $"{P}.device", issues) is { } deviceRef)
        {
            if (deviceRef.StartsWith("Device/", StringComparison.Ordinal) && Identifiers.IsValid(deviceRef[7..]))
            {
                DeviceId = deviceRef[7..];
            }
            else
            {
                issues.Add(Issue.Skipped($"{P}.device", $"'{deviceRef}' is not a Device/{{id}} reference; the reading is stored without a device"));
            }
        }

        if (status is "entered-in-error" or "cancelled")
        {
            issues.Add(Issue.Skipped($"{P}.status", $"an Observation with status '{status}' is not a measurement; not stored"));
            return;
        }

        if (!FhirElement.TryGet(r, "code", JsonValueKind.Object, P, issues, out var code))
        {
            issues.Add(Issue.Error($"{P}.code", "is required", "required"));
            return;
        }

        var codes = FhirElement.Codings(code, $"{P}.code", issues).Where(c => FhirElement.IsLoinc(c.System) && c.Code is not null).Select(c => c.Code!).ToList();
        if (codes.FirstOrDefault(PanelCodes.Contains) is { } panel)
        {
            PanelCode = panel;
            ReadPanel(r);
        }
        else if (codes.Select(c => VitalTypes.TryGetByLoinc(c, out var t) ? (c, t) : default).FirstOrDefault(x => x.t is not null) is { t: not null } vital)
        {
            ReadValue(r, P, vital.t, vital.c);
        }
        else
        {
            var shown = codes.Count > 0 ? $"LOINC {string.Join(", ", codes)}" : "its code (no LOINC coding)";
            issues.Add(Issue.Skipped($"{P}.code", $"{shown} is not a vital sign Vigil stores; not stored"));
        }
    }

    private void ReadSubject(JsonElement r)
    {
        const string P = Resource;
        if (!FhirElement.TryGet(r, "subject", JsonValueKind.Object, P, Issues, out var subject))
        {
            Issues.Add(Issue.Error($"{P}.subject", "is required: the Patient the Observation is about", "required"));
            return;
        }

        if (FhirElement.String(subject, "reference", $"{P}.subject", Issues) is { } reference)
        {
            Subject = PatientReference.Parse(reference, out var error);
            if (error is not null)
            {
                Issues.Add(Issue.Error($"{P}.subject.reference", error));
            }
        }
        else if (FhirElement.TryGet(subject, "identifier", JsonValueKind.Object, $"{P}.subject", Issues, out var identifier)
                 && FhirElement.String(identifier, "value", $"{P}.subject.identifier", Issues) is { } mrn)
        {
            Subject = new PatientReference(null, null, mrn);
        }
        else
        {
            Issues.Add(Issue.Error($"{P}.subject", "must have a reference or an identifier (the patient's MRN)", "required"));
        }
    }

    private void ReadEffective(JsonElement r)
    {
        const string P = Resource;
        if (FhirElement.String(r, "effectiveDateTime", P, Issues) is { } dateTime)
        {
            Effective = dateTime;
        }
        else if (FhirElement.String(r, "effectiveInstant", P, Issues) is { } instant)
        {
            (Effective, EffectivePath) = (instant, $"{P}.effectiveInstant");
        }
        else if (FhirElement.TryGet(r, "effectivePeriod", JsonValueKind.Object, P, Issues, out var period)
                 && FhirElement.String(period, "start", $"{P}.effectivePeriod", Issues) is { } start)
        {
            (Effective, EffectivePath) = (start, $"{P}.effectivePeriod.start");
        }
        else
        {
            Issues.Add(Issue.Error($"{P}.effective[x]", "is required: when the vital sign was measured (effectiveDateTime)", "required"));
            return;
        }

        if (Effective.Length <= 10)
        {
            Issues.Add(Issue.Error(EffectivePath, $"'{Effective}' is a date; a vital sign needs a date-time with an offset, e.g. 2026-11-21T10:00:00Z"));
        }
    }

    private void ReadPanel(JsonElement r)
    {
        foreach (var (component, path) in FhirElement.Items(r, "component", Resource, Issues))
        {
            var codes = FhirElement.TryGet(component, "code", JsonValueKind.Object, path, Issues, out var code)
                ? FhirElement.Codings(code, $"{path}.code", Issues).Where(c => FhirElement.IsLoinc(c.System) && c.Code is not null).Select(c => c.Code!).ToList()
                : [];
            var type = codes.Select(c => VitalTypes.TryGetByLoinc(c, out var t) && (t == VitalTypes.SystolicBp || t == VitalTypes.DiastolicBp) ? (c, t) : default)
                .FirstOrDefault(x => x.t is not null);
            if (type.t is null)
            {
                Issues.Add(Issue.Skipped($"{path}.code", $"LOINC {string.Join(", ", codes)} is not a blood pressure component Vigil stores; not stored"));
                continue;
            }

            ReadValue(component, path, type.t, type.c);
        }

        if (Parts.Count == 0 && !HasErrors)
        {
            Issues.Add(Issue.Skipped($"{Resource}.component", "the blood pressure panel has no systolic (8480-6) or diastolic (8462-4) value; not stored"));
        }
    }

    /// <summary>The value of an Observation or a component: valueQuantity, or for ACVPU a valueString or valueCodeableConcept.</summary>
    private void ReadValue(JsonElement element, string path, VitalType type, string code)
    {
        if (type.Kind == ValueKind.Quantity)
        {
            if (FhirElement.TryGet(element, "valueQuantity", JsonValueKind.Object, path, Issues, out var quantity))
            {
                var q = $"{path}.valueQuantity";
                var value = quantity.TryGetProperty("value", out var v) ? v : default;
                var input = value.ValueKind switch
                {
                    JsonValueKind.Number => new InputValue(InputValueKind.Number, value.GetDouble()),
                    JsonValueKind.Undefined or JsonValueKind.Null => InputValue.Missing,
                    _ => new InputValue(InputValueKind.Other),
                };
                var unitCode = FhirElement.String(quantity, "code", q, Issues);
                var unitText = FhirElement.String(quantity, "unit", q, Issues);
                var unit = FhirUnits.Resolve(type, unitCode, unitText) ?? unitCode ?? unitText;
                Parts.Add(new ObservationPart(type, code, input, unit, $"{q}.value", unitCode is null ? $"{q}.unit" : $"{q}.code",
                    $"{value.GetRawText()} {unitCode} {unitText}"));
                return;
            }
        }
        else if (type.Kind == ValueKind.Acvpu)
        {
            if (FhirElement.String(element, "valueString", path, Issues) is { } text)
            {
                Parts.Add(new ObservationPart(type, code, new InputValue(InputValueKind.Text, Text: text), null, $"{path}.valueString", path, text));
                return;
            }

            if (FhirElement.TryGet(element, "valueCodeableConcept", JsonValueKind.Object, path, Issues, out var concept))
            {
                var c = $"{path}.valueCodeableConcept";
                var level = FhirElement.Codings(concept, c, Issues).Select(x => x.Code).FirstOrDefault(x => x is not null)
                    ?? FhirElement.String(concept, "text", c, Issues);
                Parts.Add(new ObservationPart(type, code, new InputValue(InputValueKind.Text, Text: level), null, c, path, level ?? ""));
                return;
            }
        }

        if (element.TryGetProperty("dataAbsentReason", out _))
        {
            Issues.Add(Issue.Skipped(path, $"LOINC {code} has no value (dataAbsentReason); not stored"));
            return;
        }

        var expected = type.Kind == ValueKind.Quantity ? "valueQuantity" : "valueString or valueCodeableConcept";
        Issues.Add(Issue.Error($"{path}.value[x]", $"is required for LOINC {code} ({type.Name}): a {expected}", "required"));
    }

    /// <summary>
    /// The id of the readings: Observation.id, else a hash of its first identifier, else a hash of its content (patient,
    /// time, codes, values). The same resource sent again gets the same id, which makes it an idempotent resend.
    /// </summary>
    public string BaseId(string patientId) =>
        ResourceId ?? FhirElement.DerivedId(IdentifierKey is not null
            ? "identifier\n" + IdentifierKey
            : $"content\n{patientId}\n{DeviceId}\n{Effective}\n{PanelCode}\n{string.Join("\n", Parts.Select(p => $"{p.Code} {p.Raw}"))}");

    /// <summary>Reading id of a part: the base id, or for a panel's component the base id and the component's LOINC code.</summary>
    public string ReadingId(string baseId, ObservationPart part) => PanelCode is null ? baseId : $"{baseId}.{part.Code}";

    /// <summary>Validates the parts as readings of <paramref name="patientId"/> (the same rules as the JSON API); errors name the FHIR path.</summary>
    public List<Reading> ToReadings(string patientId, DateTimeOffset now, List<Issue> issues)
    {
        var baseId = BaseId(patientId);
        var readings = new List<Reading>(Parts.Count);
        foreach (var part in Parts)
        {
            var errors = new List<FieldError>();
            var input = new ReadingInput
            {
                Id = ReadingId(baseId, part),
                PatientId = patientId,
                DeviceId = DeviceId,
                Code = part.Code,
                Value = part.Value,
                Unit = part.Unit,
                ObservedAt = Effective,
            };
            if (ReadingValidator.Validate(input, null, now, errors) is { } reading)
            {
                readings.Add(reading);
            }

            foreach (var e in errors)
            {
                var path = e.Field switch
                {
                    "value" => part.ValuePath,
                    "unit" => part.UnitPath,
                    "observedAt" => EffectivePath,
                    "deviceId" => $"{Resource}.device",
                    "patientId" => $"{Resource}.subject",
                    "id" => $"{Resource}.id",
                    _ => $"{Resource}.code",
                };
                var issue = Issue.Error(path, $"{Leaf(path)} {e.Reason}");
                if (!issues.Contains(issue))
                {
                    issues.Add(issue);
                }
            }
        }

        return readings;
    }

    private static string Leaf(string path) => path[(path.LastIndexOf('.') + 1)..];

}

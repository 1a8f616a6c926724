using System.Globalization;
using System.Text.Json;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Fhir;

/// <summary>A FHIR Patient read into the fields Vigil keeps: id, medical record number, name and date of birth.</summary>
internal sealed class ParsedPatient
{
    public const string Resource = "Patient";

    public string? ResourceId { get; private set; }

    public string? Mrn { get; private set; }

    public string Name { get; private set; } = "";

    public string? BirthDate { get; private set; }

    public List<Issue> Issues { get; } = [];

    public bool HasErrors => Issues.Any(i => i.IsError);

    public static ParsedPatient Read(JsonElement r)
    {
        const string P = Resource;
        var p = new ParsedPatient();
        var issues = p.Issues;
        if (r.ValueKind != JsonValueKind.Object || FhirElement.String(r, "resourceType", P, issues) != Resource)
        {
            issues.Add(Issue.Error(P, "must be a FHIR Patient (resourceType \"Patient\")", "structure"));
            return p;
        }

        p.ResourceId = FhirElement.String(r, "id", P, issues);
        if (p.ResourceId is not null && !FhirElement.Id().IsMatch(p.ResourceId))
        {
            issues.Add(Issue.Error($"{P}.id", "must be 1 to 64 letters, digits, '-' or '.' (FHIR id)"));
        }

        // The medical record number is the identifier typed MR (HL7 v2 table 0203), as Synthea and most EHRs write it.
        foreach (var (identifier, path) in FhirElement.Items(r, "identifier", P, issues))
        {
            var isMrn = FhirElement.TryGet(identifier, "type", JsonValueKind.Object, path, issues, out var type)
                && FhirElement.Codings(type, $"{path}.type", issues).Any(c => c.Code == "MR");
            if (isMrn && FhirElement.String(identifier, "value", path, issues) is { } mrn)
            {
                if (mrn.Length > 64)
                {
                    issues.Add(Issue.Error($"{path}.value", "a medical record number is at most 64 characters"));
                }

                p.Mrn = mrn;
                break;
            }
        }

        var names = FhirElement.Items(r, "name", P, issues).ToList();
        var (name, namePath) = names.FirstOrDefault(n => FhirElement.String(n.Item, "use", n.Path, issues) == "official");
        if (namePath is null && names.Count > 0)
        {
            (name, namePath) = names[0];
        }

        if (namePath is not null)
        {
            var given = FhirElement.Items(name, "given", namePath, issues).Where(g => g.Item.ValueKind == JsonValueKind.String).Select(g => g.Item.GetString());
            p.Name = (FhirElement.String(name, "text", namePath, issues)
                      ?? string.Join(' ', given.Append(FhirElement.String(name, "family", namePath, issues)).Where(s => !string.IsNullOrWhiteSpace(s)))).Trim();
        }

        if (p.Name.Length == 0)
        {
            issues.Add(Issue.Error($"{P}.name", "is required: Vigil keeps a name for every patient", "required"));
        }
        else if (p.Name.Length > 200)
        {
            issues.Add(Issue.Error($"{P}.name", "must be at most 200 characters"));
        }

        if (FhirElement.String(r, "birthDate", P, issues) is { } birthDate)
        {
            if (DateOnly.TryParseExact(birthDate, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            {
                p.BirthDate = birthDate;
            }
            else
            {
                issues.Add(Issue.Skipped($"{P}.birthDate", $"'{birthDate}' is not a full date (YYYY-MM-DD); the date of birth is left empty"));
            }
        }

        return p;
    }

    /// <summary>Creates the patient or replaces the fields FHIR carries (department, SpO2 scale and status stay), through the reference store so its change event is appended.</summary>
    public PatientWrite Upsert(WriteContext ctx, ReferenceStore store, string customerId, string id)
    {
        var existing = ReferenceStore.FindPatient(ctx, customerId, id);
        if (existing is null)
        {
            store.CreatePatient(ctx, customerId, id, new PatientFields(null, Mrn, Name, BirthDate, 1, "active"));
            return PatientWrite.Created;
        }

        if (existing.Mrn == Mrn && existing.Name == Name && existing.BirthDate == BirthDate)
        {
            return PatientWrite.Unchanged;
        }

        store.UpdatePatient(ctx, customerId, id, new PatientFields(existing.DepartmentId, Mrn, Name, BirthDate, existing.Spo2Scale, existing.Status));
        return PatientWrite.Updated;
    }
}

internal enum PatientWrite
{
    Created,
    Updated,
    Unchanged,
}

using Vigil.Domain;

namespace Vigil.Fhir;

/// <summary>How an Observation or a search names its patient: a Vigil id, a Bundle entry (fullUrl), or an identifier (MRN).</summary>
internal sealed record PatientReference(string? Id, string? Local, string? Mrn)
{
    /// <summary>Reads <c>Patient/{id}</c>, an absolute URL ending so, a <c>urn:</c> naming a Bundle entry, or <c>Patient?identifier=system|value</c>.</summary>
    public static PatientReference? Parse(string reference, out string? error)
    {
        error = null;
        if (reference.StartsWith("urn:", StringComparison.Ordinal))
        {
            return new PatientReference(null, reference, null);
        }

        if (reference.StartsWith("Patient?identifier=", StringComparison.Ordinal))
        {
            var value = Uri.UnescapeDataString(reference["Patient?identifier=".Length..]);
            return new PatientReference(null, null, value[(value.IndexOf('|') + 1)..]);
        }

        var parts = reference.Split('/');
        var at = Array.LastIndexOf(parts, "Patient");
        if (at >= 0 && at + 1 < parts.Length && Identifiers.IsValid(parts[at + 1]))
        {
            // An absolute reference may also be a Bundle entry's fullUrl: the resolver tries that first.
            return new PatientReference(parts[at + 1], reference.Contains("://", StringComparison.Ordinal) ? reference : null, null);
        }

        error = $"'{reference}' is not a reference to a Patient (Patient/{{id}}, a Bundle entry's fullUrl, or Patient?identifier=...)";
        return null;
    }
}

using Vigil.Storage.Reference;

namespace Vigil.Fhir;

/// <summary>
/// Finds the Vigil patient an Observation's subject names: a Patient entry of the same Bundle (by fullUrl or MRN), a
/// Vigil patient id, or the customer's patient with that medical record number. Whether an id exists is checked by
/// the store in the write transaction, as for every reading.
/// </summary>
internal sealed class PatientResolver(string customerId, ReferenceStore store)
{
    private readonly Dictionary<string, string> _byFullUrl = [];
    private readonly Dictionary<string, string> _byMrn = [];

    /// <summary>Makes a Bundle's Patient entry resolvable by its fullUrl and MRN.</summary>
    public void Add(string? fullUrl, string? mrn, string patientId)
    {
        if (fullUrl is not null)
        {
            _byFullUrl[fullUrl] = patientId;
        }

        if (mrn is not null)
        {
            _byMrn[mrn] = patientId;
        }
    }

    public async Task<(string? PatientId, Issue? Error)> ResolveAsync(PatientReference reference, string path)
    {
        if (reference.Local is not null && _byFullUrl.TryGetValue(reference.Local, out var local))
        {
            return (local, null);
        }

        if (reference.Id is not null)
        {
            return (reference.Id, null);
        }

        if (reference.Local is not null)
        {
            return (null, Issue.Error($"{path}.reference", $"'{reference.Local}' is the fullUrl of no Patient entry of this Bundle", "not-found"));
        }

        var mrn = reference.Mrn!;
        if (_byMrn.TryGetValue(mrn, out var inBundle))
        {
            return (inBundle, null);
        }

        return await store.FindPatientIdByMrnAsync(customerId, mrn) is { } found
            ? (found, null)
            : (null, Issue.Error(path, $"no patient of this customer has the identifier (MRN) '{mrn}'", "not-found"));
    }
}

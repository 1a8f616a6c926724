using Vigil.Domain;
using Vigil.Security;
using Vigil.Storage.Reference;

namespace Vigil.Api;

/// <summary>
/// The common shape of a query over one patient's history: the patient must be one of the caller's (else 404), and
/// <c>from</c>, <c>to</c> and <c>limit</c> bound the answer (else 422 naming each).
/// </summary>
public sealed record PatientRange(string Tenant, DateTimeOffset? From, DateTimeOffset? To, int Limit)
{
    public static async Task<(PatientRange? Range, IResult? Problem)> ReadAsync(
        HttpContext http, ReferenceStore reference, string patientId, string? from, string? to, string? limit)
    {
        var tenant = Caller.From(http.User).Tenant;
        if (!await reference.PatientExistsAsync(tenant, patientId))
        {
            return (null, Problems.NotFound($"Patient '{patientId}'"));
        }

        var errors = new List<FieldError>();
        var range = new PatientRange(tenant, FieldRules.QueryTime(from, "from", errors), FieldRules.QueryTime(to, "to", errors), FieldRules.Limit(limit, errors));
        return errors.Count > 0 ? (null, Problems.Invalid(errors)) : (range, null);
    }
}

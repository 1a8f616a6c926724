using Vigil.Domain;
using Vigil.Domain.Reference;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Events.Handlers;

/// <summary>
/// Admission, transfer and discharge change the patient through <see cref="ReferenceStore.UpdatePatient"/>, so the
/// change is checked (the department must exist) and emitted on <c>reference.changes</c> in the event's own
/// transaction: enrichment sees the new department or status on the very next reading.
/// </summary>
internal static class PatientChange
{
    public static Patient Apply(ReferenceStore store, WriteContext ctx, IncomingEvent e, Func<PatientFields, PatientFields> change)
    {
        var patient = ReferenceStore.FindPatient(ctx, e.CustomerId, e.PatientId) ?? throw RejectedException.NotFound($"Patient '{e.PatientId}'");
        var fields = new PatientFields(patient.DepartmentId, patient.Mrn, patient.Name, patient.BirthDate, patient.Spo2Scale, patient.Status);
        return store.UpdatePatient(ctx, e.CustomerId, e.PatientId, change(fields));
    }

    /// <summary>The event's <c>data.departmentId</c>: null when absent; the event fails when it is not a valid id.</summary>
    public static string? DepartmentId(IncomingEvent e)
    {
        var id = e.Text("departmentId");
        return id is null || Identifiers.IsValid(id) ? id : throw RejectedException.Invalid("data.departmentId", Identifiers.Rule);
    }
}

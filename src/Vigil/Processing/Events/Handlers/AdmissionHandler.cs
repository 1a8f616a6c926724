using Vigil.Storage.Reference;

namespace Vigil.Processing.Events.Handlers;

/// <summary><c>admission</c> (data: <c>departmentId</c>, optional): the patient becomes active, in that department if one is given.</summary>
internal sealed class AdmissionHandler(ReferenceStore store) : IEventHandler
{
    public IReadOnlyList<string> Types => ["admission"];

    public ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken)
    {
        var departmentId = PatientChange.DepartmentId(e);
        return ValueTask.FromResult(EventOutcome.Processed(ctx =>
        {
            var patient = PatientChange.Apply(store, ctx, e, f => f with { DepartmentId = departmentId ?? f.DepartmentId, Status = "active" });
            return new { patientStatus = patient.Status, departmentId = patient.DepartmentId };
        }));
    }
}

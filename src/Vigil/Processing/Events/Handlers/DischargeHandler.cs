using Vigil.Storage.Reference;

namespace Vigil.Processing.Events.Handlers;

/// <summary><c>discharge</c>: the patient's status becomes discharged (enrichment then dead-letters their readings); the department is kept.</summary>
internal sealed class DischargeHandler(ReferenceStore store) : IEventHandler
{
    public IReadOnlyList<string> Types => ["discharge"];

    public ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken) =>
        ValueTask.FromResult(EventOutcome.Processed(ctx =>
        {
            var patient = PatientChange.Apply(store, ctx, e, f => f with { Status = "discharged" });
            return new { patientStatus = patient.Status, departmentId = patient.DepartmentId };
        }));
}

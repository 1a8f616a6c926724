using Vigil.Domain;
using Vigil.Storage.Reference;

namespace Vigil.Processing.Events.Handlers;

/// <summary>
/// <c>transfer</c> (data: <c>departmentId</c>, required): the patient moves to that department. A department that does
/// not exist, or a patient who is discharged (an admission must come first), fails the event.
/// </summary>
internal sealed class TransferHandler(ReferenceStore store) : IEventHandler
{
    public IReadOnlyList<string> Types => ["transfer"];

    public ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken)
    {
        if (PatientChange.DepartmentId(e) is not { } departmentId)
        {
            return ValueTask.FromResult(EventOutcome.Failed("data.departmentId is required"));
        }

        return ValueTask.FromResult(EventOutcome.Processed(ctx =>
        {
            string? from = null;
            var patient = PatientChange.Apply(store, ctx, e, f =>
            {
                if (f.Status == "discharged")
                {
                    throw new RejectedException(RejectionKind.Conflict, $"Patient '{e.PatientId}' is discharged; an admission must come before a transfer.");
                }

                from = f.DepartmentId;
                return f with { DepartmentId = departmentId };
            });
            return new { fromDepartmentId = from, departmentId = patient.DepartmentId };
        }));
    }
}

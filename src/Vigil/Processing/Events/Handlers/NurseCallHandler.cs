namespace Vigil.Processing.Events.Handlers;

/// <summary><c>nurse_call</c>: raises an alert for the patient's nurse. Until alerts exist the event is only recorded.</summary>
internal sealed class NurseCallHandler : IEventHandler
{
    public IReadOnlyList<string> Types => ["nurse_call"];

    public ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken) =>
        // Alert: raised by AlertBook once merged
        ValueTask.FromResult(EventOutcome.Processed(new { alert = "pending" }));
}

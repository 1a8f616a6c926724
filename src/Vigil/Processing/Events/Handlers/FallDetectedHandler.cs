namespace Vigil.Processing.Events.Handlers;

/// <summary><c>fall_detected</c>: raises an alert for the patient's care team. Until alerts exist the event is only recorded.</summary>
internal sealed class FallDetectedHandler : IEventHandler
{
    public IReadOnlyList<string> Types => ["fall_detected"];

    public ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken) =>
        // Alert: raised by AlertBook once merged
        ValueTask.FromResult(EventOutcome.Processed(new { alert = "pending" }));
}

namespace Vigil.Processing.Events.Handlers;

/// <summary>
/// <c>medication_administered</c> and <c>note</c>: nothing changes but the record. The event row already holds type,
/// data and time, which is what the patient's timeline reads, so being processed is all there is to do.
/// </summary>
internal sealed class TimelineHandler : IEventHandler
{
    private static readonly EventOutcome Recorded = EventOutcome.Processed(new { recorded = "timeline" });

    public IReadOnlyList<string> Types => ["medication_administered", "note"];

    public ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken) => ValueTask.FromResult(Recorded);
}

namespace Vigil.Processing.Events;

/// <summary>
/// Handles clinical events of some types for the process role. <see cref="HandleAsync"/> runs outside the database
/// writer and may be slow (it holds up only its own patient's events); its database changes go into the returned
/// <see cref="EventOutcome"/>, which the processor applies in the transaction that records the event's status. It may
/// run more than once for an event (a retry after it threw, a redelivery after a crash), so it must not change
/// anything itself: only the outcome's effect does, and that is applied at most once.
/// </summary>
public interface IEventHandler
{
    /// <summary>The event types this handler takes; each type has at most one handler.</summary>
    IReadOnlyList<string> Types { get; }

    ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken);
}

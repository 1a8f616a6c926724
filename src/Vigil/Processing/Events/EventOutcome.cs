using Vigil.Storage.Writes;

namespace Vigil.Processing.Events;

/// <summary>
/// What a handler decided: processed, with a result (and an effect that computes it in the write transaction), or
/// failed because of the event's content. A handler or effect that throws <see cref="Domain.RejectedException"/> (a
/// department that does not exist) fails the event the same way, with the rejection's message as the reason. A failure
/// is final: unlike an exception of any other kind, it is not retried.
/// </summary>
public sealed class EventOutcome
{
    private EventOutcome(bool failed, object? result, Func<WriteContext, object>? effect)
    {
        IsFailure = failed;
        Result = result;
        Effect = effect;
    }

    public bool IsFailure { get; }

    /// <summary>The result recorded with the event (serialised as JSON) when there is no effect.</summary>
    public object? Result { get; }

    /// <summary>Database changes, run in the transaction that records the status; returns the result to record.</summary>
    public Func<WriteContext, object>? Effect { get; }

    public static EventOutcome Processed(object result) => new(false, result, null);

    public static EventOutcome Processed(Func<WriteContext, object> effect) => new(false, null, effect);

    public static EventOutcome Failed(string reason) => new(true, new { reason }, null);
}

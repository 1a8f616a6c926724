namespace Vigil.Domain.Alerts;

/// <summary>
/// Where one alert rule stands for one patient, in event time: since when it has been breached (while an alert waits
/// for the breach to be sustained, or is open), since when it has been clear (while an open alert waits to be
/// auto-resolved), and the time of the latest observation. No state at all means clear and no alert.
/// </summary>
public sealed record AlertCondition(string? AlertId, DateTimeOffset? BreachSince, DateTimeOffset? ClearSince, DateTimeOffset LastAt)
{
    /// <summary>What an observation asks of the alert.</summary>
    public enum Action
    {
        None,
        Raise,
        Update,
        Resolve,
    }

    /// <summary>
    /// Applies one observation (breaching or not, at event time <paramref name="at"/>) to <paramref name="state"/>:
    /// a breach raises an alert once it has lasted <paramref name="sustain"/>, or updates the open one; a clear
    /// observation resolves the open alert once the condition has been clear for <paramref name="clearFor"/>.
    /// An observation older than the latest one is about the past and changes nothing. Returns the next state (null
    /// when nothing is left to remember) and the action.
    /// </summary>
    public static (AlertCondition? Next, Action Action) Observe(
        AlertCondition? state, bool breaching, DateTimeOffset at, TimeSpan sustain, TimeSpan clearFor)
    {
        if (state is not null && at < state.LastAt)
        {
            return (state, Action.None);
        }

        var open = state?.AlertId is not null;
        if (breaching)
        {
            var since = state?.BreachSince ?? at;
            if (open)
            {
                return (state! with { BreachSince = since, ClearSince = null, LastAt = at }, Action.Update);
            }

            return at - since >= sustain
                ? (new AlertCondition(null, since, null, at), Action.Raise)
                : (new AlertCondition(null, since, null, at), Action.None);
        }

        if (!open)
        {
            return (null, Action.None);
        }

        var clearSince = state!.ClearSince ?? at;
        return at - clearSince >= clearFor
            ? (null, Action.Resolve)
            : (state with { BreachSince = null, ClearSince = clearSince, LastAt = at }, Action.None);
    }
}

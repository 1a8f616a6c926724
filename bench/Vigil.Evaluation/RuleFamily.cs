using Vigil.Domain.Alerts;

namespace Vigil.Evaluation;

/// <summary>
/// One family of alert rules as the analyzer runs them: a set of named conditions (one per rule) fed observations in
/// event time through <see cref="AlertCondition"/>, counting raises. <see cref="Raises"/> holds the event time of the
/// reading whose arrival raised each alert, which is when Vigil would have raised it.
/// </summary>
internal sealed class RuleFamily(string name, TimeSpan autoResolve)
{
    private readonly Dictionary<string, AlertCondition?> _conditions = [];

    public string Name { get; } = name;

    public List<(string Rule, DateTimeOffset At)> Raises { get; } = [];

    public void Observe(string rule, bool breaching, DateTimeOffset observedAt, TimeSpan sustain, DateTimeOffset raisedAt)
    {
        _conditions.TryGetValue(rule, out var state);
        if (state is null && !breaching)
        {
            return;
        }

        var (next, action) = AlertCondition.Observe(state, breaching, observedAt, sustain, autoResolve);
        if (action == AlertCondition.Action.Raise)
        {
            Raises.Add((rule, raisedAt));
            next = next! with { AlertId = rule };
        }

        _conditions[rule] = next;
    }
}

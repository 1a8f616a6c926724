namespace Vigil.Domain.Alerts;

/// <summary>
/// The frame a scope's rule list is checked in, for thresholds and anomaly rules alike: the list is required and holds
/// at most a bound of rules, each an object; each rule's own check reports problems as <c>rules[i].field</c>, and the
/// rule it describes is built only when its check found none.
/// </summary>
public static class ScopeRuleList
{
    /// <summary>Reports a problem with one field of the rule being checked.</summary>
    public delegate void Fail(string field, string reason);

    /// <summary>
    /// Runs <paramref name="check"/> on every rule of <paramref name="rules"/>; it reports through its <see cref="Fail"/>
    /// and answers how to build the rule, which is called only for a rule without problems.
    /// </summary>
    public static IReadOnlyList<TRule> Validate<TInput, TRule>(
        IReadOnlyList<TInput?>? rules, int maxRules, List<FieldError> errors, Func<TInput, Fail, Func<TRule>> check)
        where TInput : class
    {
        if (rules is null)
        {
            errors.Add(new FieldError(null, "rules", "is required (an empty list removes the scope's rules)"));
            return [];
        }

        if (rules.Count > maxRules)
        {
            errors.Add(new FieldError(null, "rules", $"must hold at most {maxRules} rules"));
            return [];
        }

        var valid = new List<TRule>(rules.Count);
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is not { } rule)
            {
                errors.Add(new FieldError(null, $"rules[{i}]", "must be an object"));
                continue;
            }

            var before = errors.Count;
            var index = i;
            var build = check(rule, (field, reason) => errors.Add(new FieldError(null, $"rules[{index}].{field}", reason)));
            if (errors.Count == before)
            {
                valid.Add(build());
            }
        }

        return valid;
    }
}

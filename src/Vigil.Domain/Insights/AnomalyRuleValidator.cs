using Vigil.Domain.Alerts;
using Vigil.Domain.Readings;

namespace Vigil.Domain.Insights;

/// <summary>Checks a scope's anomaly rules as a client sends them; each problem names the rule's field.</summary>
public static class AnomalyRuleValidator
{
    public const int MaxRules = 20;

    public const double MinK = 1;
    public const double MaxK = 20;
    public const int MaxMinutes = 240;

    /// <summary>The longest warm-up: a week of minutes.</summary>
    public const int MaxWarmupMinutes = 10_080;

    public sealed record RuleInput(string? Type, double? K, int? Minutes, int? WarmupMinutes, string? Severity);

    public static IReadOnlyList<AnomalyRule> Validate(IReadOnlyList<RuleInput?>? rules, List<FieldError> errors)
    {
        if (rules is null)
        {
            errors.Add(new FieldError(null, "rules", "is required (an empty list removes the scope's rules)"));
            return [];
        }

        if (rules.Count > MaxRules)
        {
            errors.Add(new FieldError(null, "rules", $"must hold at most {MaxRules} rules"));
            return [];
        }

        var valid = new List<AnomalyRule>(rules.Count);
        var types = new HashSet<string>();
        for (var i = 0; i < rules.Count; i++)
        {
            var before = errors.Count;
            void Fail(string field, string reason) => errors.Add(new FieldError(null, $"rules[{i}].{field}", reason));

            if (rules[i] is not { } r)
            {
                errors.Add(new FieldError(null, $"rules[{i}]", "must be an object"));
                continue;
            }

            if (r.Type is null)
            {
                Fail("type", "is required");
            }
            else if (!VitalTypes.TryGetByName(r.Type, out var type) || type.Kind != ValueKind.Quantity)
            {
                Fail("type", $"must be a numeric vital type ({string.Join(", ", VitalTypes.All.Where(t => t.Kind == ValueKind.Quantity).Select(t => t.Name))})");
            }
            else if (!types.Add(r.Type))
            {
                Fail("type", $"'{r.Type}' has more than one rule in this scope");
            }

            if (r.K is { } k && !(k >= MinK && k <= MaxK))
            {
                Fail("k", $"must be {MinK} to {MaxK} (spreads from the baseline)");
            }

            if (r.Minutes is < 1 or > MaxMinutes)
            {
                Fail("minutes", $"must be 1 to {MaxMinutes}");
            }

            if (r.WarmupMinutes is < PersonalBaseline.MedianMinutes or > MaxWarmupMinutes)
            {
                Fail("warmupMinutes", $"must be {PersonalBaseline.MedianMinutes} to {MaxWarmupMinutes}");
            }

            if (r.Severity is not null && AlertSeverity.Rank(r.Severity) < 0)
            {
                Fail("severity", $"must be one of {string.Join(", ", AlertSeverity.All.Select(s => $"'{s}'"))}");
            }

            if (errors.Count == before)
            {
                valid.Add(new AnomalyRule(r.Type!, r.K ?? AnomalyDefaults.K, r.Minutes ?? AnomalyDefaults.Minutes,
                    r.WarmupMinutes ?? AnomalyDefaults.WarmupMinutes, r.Severity ?? AnomalyDefaults.Severity));
            }
        }

        return valid;
    }
}

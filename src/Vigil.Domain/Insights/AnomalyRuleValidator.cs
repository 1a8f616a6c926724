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
        var types = new HashSet<string>();
        return ScopeRuleList.Validate<RuleInput, AnomalyRule>(rules, MaxRules, errors, (r, fail) =>
        {
            if (r.Type is null)
            {
                fail("type", "is required");
            }
            else if (!VitalTypes.TryGetByName(r.Type, out var type) || type.Kind != ValueKind.Quantity)
            {
                fail("type", $"must be a numeric vital type ({string.Join(", ", VitalTypes.All.Where(t => t.Kind == ValueKind.Quantity).Select(t => t.Name))})");
            }
            else if (!types.Add(r.Type))
            {
                fail("type", $"'{r.Type}' has more than one rule in this scope");
            }

            if (r.K is { } k && !(k >= MinK && k <= MaxK))
            {
                fail("k", $"must be {MinK} to {MaxK} (spreads from the baseline)");
            }

            if (r.Minutes is < 1 or > MaxMinutes)
            {
                fail("minutes", $"must be 1 to {MaxMinutes}");
            }

            if (r.WarmupMinutes is < PersonalBaseline.MedianMinutes or > MaxWarmupMinutes)
            {
                fail("warmupMinutes", $"must be {PersonalBaseline.MedianMinutes} to {MaxWarmupMinutes}");
            }

            if (r.Severity is not null && AlertSeverity.Rank(r.Severity) < 0)
            {
                fail("severity", $"must be one of {string.Join(", ", AlertSeverity.All.Select(s => $"'{s}'"))}");
            }

            return () => new AnomalyRule(r.Type!, r.K ?? AnomalyDefaults.K, r.Minutes ?? AnomalyDefaults.Minutes,
                r.WarmupMinutes ?? AnomalyDefaults.WarmupMinutes, r.Severity ?? AnomalyDefaults.Severity);
        });
    }
}

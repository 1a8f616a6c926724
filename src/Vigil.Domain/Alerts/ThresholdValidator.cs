using Vigil.Domain.Readings;

namespace Vigil.Domain.Alerts;

/// <summary>Checks a scope's rules as a client sends them; each problem names the rule's field.</summary>
public static class ThresholdValidator
{
    public const int MaxRules = 50;

    /// <summary>The longest a breach may have to last, or a device stay silent: one day.</summary>
    public const int MaxSeconds = 86_400;

    public sealed record RuleInput(string? Type, double? Low, double? High, int? ForSeconds, string? Severity);

    public static IReadOnlyList<ThresholdRule> Validate(IReadOnlyList<RuleInput?>? rules, List<FieldError> errors)
    {
        var types = new HashSet<string>();
        return ScopeRuleList.Validate<RuleInput, ThresholdRule>(rules, MaxRules, errors, (r, fail) =>
        {
            var dataGap = r.Type == ThresholdRule.DataGapType;
            VitalType? type = null;
            if (r.Type is null)
            {
                fail("type", "is required");
            }
            else if (!dataGap && (!VitalTypes.TryGetByName(r.Type, out type) || type.Kind != ValueKind.Quantity))
            {
                type = null;
                fail("type", $"must be '{ThresholdRule.DataGapType}' or a numeric vital type ({string.Join(", ", VitalTypes.All.Where(t => t.Kind == ValueKind.Quantity).Select(t => t.Name))})");
            }
            else if (!types.Add(r.Type))
            {
                fail("type", $"'{r.Type}' has more than one rule in this scope");
            }

            if (dataGap)
            {
                if (r.Low is not null || r.High is not null)
                {
                    fail(r.Low is not null ? "low" : "high", "must be absent for a data gap rule");
                }

                if (r.ForSeconds is not (>= 60 and <= MaxSeconds))
                {
                    fail("forSeconds", $"must be the silence in seconds, 60 to {MaxSeconds}, for a data gap rule");
                }
            }
            else
            {
                if (r.Low is null && r.High is null)
                {
                    fail("low", "or high is required");
                }

                foreach (var (field, limit) in new[] { ("low", r.Low), ("high", r.High) })
                {
                    if (limit is { } l && type is not null && (!double.IsFinite(l) || l < type.Min || l > type.Max))
                    {
                        fail(field, $"must be within {type.Name}'s range {type.Min} to {type.Max} {type.Unit}");
                    }
                }

                if (r.Low is { } low && r.High is { } high && low > high)
                {
                    fail("high", "must not be below low");
                }

                if (r.ForSeconds is < 0 or > MaxSeconds)
                {
                    fail("forSeconds", $"must be 0 to {MaxSeconds}");
                }
            }

            if (r.Severity is not null && AlertSeverity.Rank(r.Severity) < 0)
            {
                fail("severity", $"must be one of {string.Join(", ", AlertSeverity.All.Select(s => $"'{s}'"))}");
            }

            return () => new ThresholdRule(r.Type!, r.Low, r.High, r.ForSeconds ?? 0, r.Severity ?? (dataGap ? AlertSeverity.Medium : AlertSeverity.High));
        });
    }
}

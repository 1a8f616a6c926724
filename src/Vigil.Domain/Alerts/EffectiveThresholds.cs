namespace Vigil.Domain.Alerts;

/// <summary>
/// The rules that apply to one patient: per vital type, the rule of the most specific scope that has one (patient,
/// then the patient's department, then the customer), else the built-in default.
/// </summary>
public static class EffectiveThresholds
{
    public sealed record Effective(ThresholdRule Rule, string Source);

    /// <summary>The source of a built-in rule.</summary>
    public const string Default = "default";

    public static IReadOnlyDictionary<string, Effective> Resolve(
        IReadOnlyDictionary<ThresholdScope, IReadOnlyList<ThresholdRule>> configured, string customerId, string? departmentId, string patientId)
    {
        var effective = ThresholdDefaults.Rules.ToDictionary(r => r.Type, r => new Effective(r, Default));
        Apply(new ThresholdScope(ThresholdScope.Customer, customerId));
        if (departmentId is not null)
        {
            Apply(new ThresholdScope(ThresholdScope.Department, departmentId));
        }

        Apply(new ThresholdScope(ThresholdScope.Patient, patientId));
        return effective;

        void Apply(ThresholdScope scope)
        {
            if (configured.TryGetValue(scope, out var rules))
            {
                foreach (var rule in rules)
                {
                    effective[rule.Type] = new Effective(rule, scope.Kind);
                }
            }
        }
    }
}

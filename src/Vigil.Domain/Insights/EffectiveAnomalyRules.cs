using Vigil.Domain.Alerts;

namespace Vigil.Domain.Insights;

/// <summary>
/// The anomaly rules that apply to one patient: per vital type, the rule of the most specific scope that has one
/// (patient, then the patient's department, then the customer). There are no built-in rules.
/// </summary>
public static class EffectiveAnomalyRules
{
    public sealed record Effective(AnomalyRule Rule, string Source);

    public static IReadOnlyDictionary<string, Effective> Resolve(
        IReadOnlyDictionary<ThresholdScope, IReadOnlyList<AnomalyRule>> configured, string customerId, string? departmentId, string patientId)
    {
        var effective = new Dictionary<string, Effective>();
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

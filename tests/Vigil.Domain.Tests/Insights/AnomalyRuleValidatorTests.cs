using Vigil.Domain.Alerts;
using Vigil.Domain.Insights;

namespace Vigil.Domain.Tests.Insights;

public sealed class AnomalyRuleValidatorTests
{
    private static (IReadOnlyList<AnomalyRule> Rules, List<FieldError> Errors) Validate(params AnomalyRuleValidator.RuleInput?[] rules)
    {
        var errors = new List<FieldError>();
        return (AnomalyRuleValidator.Validate(rules, errors), errors);
    }

    [Fact]
    public void Omitted_settings_take_the_defaults()
    {
        var (rules, errors) = Validate(new AnomalyRuleValidator.RuleInput("heart_rate", null, null, null, null));

        errors.ShouldBeEmpty();
        rules.ShouldBe([new AnomalyRule("heart_rate", AnomalyDefaults.K, AnomalyDefaults.Minutes, AnomalyDefaults.WarmupMinutes, AlertSeverity.Medium)]);
    }

    [Theory]
    [InlineData(null, 4.0, 5, 60, null, "rules[0].type")]
    [InlineData("consciousness", 4.0, 5, 60, null, "rules[0].type")]
    [InlineData("data_gap", 4.0, 5, 60, null, "rules[0].type")]
    [InlineData("heart_rate", 0.5, 5, 60, null, "rules[0].k")]
    [InlineData("heart_rate", 21.0, 5, 60, null, "rules[0].k")]
    [InlineData("heart_rate", 4.0, 0, 60, null, "rules[0].minutes")]
    [InlineData("heart_rate", 4.0, 241, 60, null, "rules[0].minutes")]
    [InlineData("heart_rate", 4.0, 5, 4, null, "rules[0].warmupMinutes")]
    [InlineData("heart_rate", 4.0, 5, 10_081, null, "rules[0].warmupMinutes")]
    [InlineData("heart_rate", 4.0, 5, 60, "critical", "rules[0].severity")]
    public void Each_bad_setting_is_named(string? type, double k, int minutes, int warmup, string? severity, string field)
    {
        var (rules, errors) = Validate(new AnomalyRuleValidator.RuleInput(type, k, minutes, warmup, severity));

        rules.ShouldBeEmpty();
        errors.Select(e => e.Field).ShouldBe([field]);
    }

    [Fact]
    public void A_type_may_have_one_rule_per_scope()
    {
        var (_, errors) = Validate(
            new AnomalyRuleValidator.RuleInput("spo2", null, null, null, null), new AnomalyRuleValidator.RuleInput("spo2", 3, null, null, null));

        errors.Select(e => e.Field).ShouldBe(["rules[1].type"]);
    }

    [Fact]
    public void Missing_rules_and_null_items_are_refused()
    {
        var errors = new List<FieldError>();
        AnomalyRuleValidator.Validate(null, errors);
        errors.Select(e => e.Field).ShouldBe(["rules"]);

        Validate((AnomalyRuleValidator.RuleInput?)null).Errors.Select(e => e.Field).ShouldBe(["rules[0]"]);
    }

    [Fact]
    public void The_most_specific_scope_wins()
    {
        var configured = new Dictionary<ThresholdScope, IReadOnlyList<AnomalyRule>>
        {
            [new ThresholdScope(ThresholdScope.Customer, "c")] = [new AnomalyRule("heart_rate", 4, 5, 60, "medium"), new AnomalyRule("spo2", 4, 5, 60, "medium")],
            [new ThresholdScope(ThresholdScope.Department, "icu")] = [new AnomalyRule("heart_rate", 3, 5, 60, "high")],
            [new ThresholdScope(ThresholdScope.Patient, "p1")] = [new AnomalyRule("spo2", 6, 10, 120, "low")],
        };

        var effective = EffectiveAnomalyRules.Resolve(configured, "c", "icu", "p1");

        effective["heart_rate"].ShouldBe(new EffectiveAnomalyRules.Effective(new AnomalyRule("heart_rate", 3, 5, 60, "high"), ThresholdScope.Department));
        effective["spo2"].Source.ShouldBe(ThresholdScope.Patient);
        EffectiveAnomalyRules.Resolve(configured, "c", null, "p2")["heart_rate"].Rule.K.ShouldBe(4);
        EffectiveAnomalyRules.Resolve(new Dictionary<ThresholdScope, IReadOnlyList<AnomalyRule>>(), "c", null, "p2").ShouldBeEmpty();
    }
}

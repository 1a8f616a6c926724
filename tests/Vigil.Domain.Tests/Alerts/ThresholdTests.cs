using Vigil.Domain.Alerts;
using static Vigil.Domain.Alerts.ThresholdValidator;

namespace Vigil.Domain.Tests.Alerts;

public sealed class ThresholdTests
{
    private static (IReadOnlyList<ThresholdRule> Rules, List<FieldError> Errors) Validate(params RuleInput?[] rules)
    {
        var errors = new List<FieldError>();
        return (ThresholdValidator.Validate(rules, errors), errors);
    }

    [Theory]
    [InlineData(39.9, true)]
    [InlineData(40, false)]
    [InlineData(130, false)]
    [InlineData(130.1, true)]
    public void A_reading_breaches_when_it_is_outside_the_limits_which_themselves_are_within(double value, bool breaches) =>
        new ThresholdRule("heart_rate", 40, 130, 0, AlertSeverity.High).IsBreachedBy(value).ShouldBe(breaches);

    [Fact]
    public void A_rule_with_one_limit_breaches_on_that_side_only()
    {
        var spo2 = new ThresholdRule("spo2", 92, null, 0, AlertSeverity.High);

        spo2.IsBreachedBy(91).ShouldBeTrue();
        spo2.IsBreachedBy(100).ShouldBeFalse();
    }

    [Fact]
    public void The_built_in_defaults_breach_where_the_news2_chart_gives_three_points()
    {
        var defaults = ThresholdDefaults.Rules.ToDictionary(r => r.Type);

        defaults["heart_rate"].IsBreachedBy(40).ShouldBeTrue();
        defaults["heart_rate"].IsBreachedBy(41).ShouldBeFalse();
        defaults["heart_rate"].IsBreachedBy(130).ShouldBeFalse();
        defaults["heart_rate"].IsBreachedBy(131).ShouldBeTrue();
        defaults["respiratory_rate"].IsBreachedBy(8).ShouldBeTrue();
        defaults["respiratory_rate"].IsBreachedBy(9).ShouldBeFalse();
        defaults["respiratory_rate"].IsBreachedBy(24).ShouldBeFalse();
        defaults["respiratory_rate"].IsBreachedBy(25).ShouldBeTrue();
        defaults["spo2"].IsBreachedBy(91).ShouldBeTrue();
        defaults["spo2"].IsBreachedBy(92).ShouldBeFalse();
        defaults["systolic_bp"].IsBreachedBy(90).ShouldBeTrue();
        defaults["systolic_bp"].IsBreachedBy(91).ShouldBeFalse();
        defaults["systolic_bp"].IsBreachedBy(220).ShouldBeTrue();
        defaults["temperature"].IsBreachedBy(35.0).ShouldBeTrue();
        defaults["temperature"].IsBreachedBy(39.1).ShouldBeTrue();
        defaults["temperature"].IsBreachedBy(37).ShouldBeFalse();
        defaults[ThresholdRule.DataGapType].ForSeconds.ShouldBe(600);
    }

    [Fact]
    public void A_valid_rule_set_is_taken_with_defaults_for_what_is_left_out()
    {
        var (rules, errors) = Validate(
            new RuleInput("heart_rate", 40, 130, null, null),
            new RuleInput("spo2", 88, null, 120, "urgent"),
            new RuleInput("data_gap", null, null, 300, null));

        errors.ShouldBeEmpty();
        rules.ShouldBe(
        [
            new ThresholdRule("heart_rate", 40, 130, 0, AlertSeverity.High),
            new ThresholdRule("spo2", 88, null, 120, AlertSeverity.Urgent),
            new ThresholdRule("data_gap", null, null, 300, AlertSeverity.Medium),
        ]);
    }

    [Fact]
    public void Each_broken_rule_is_named_by_its_field()
    {
        var (rules, errors) = Validate(
            new RuleInput(null, 1, 2, null, null),
            new RuleInput("consciousness", 1, 2, null, null),
            new RuleInput("heart_rate", null, null, null, null),
            new RuleInput("respiratory_rate", 30, 10, null, null),
            new RuleInput("temperature", 10, null, null, null),
            new RuleInput("spo2", 90, null, -1, "severe"),
            new RuleInput("data_gap", 1, null, 30, null),
            new RuleInput("heart_rate", 50, null, null, null),
            null);

        rules.ShouldBeEmpty();
        errors.Select(e => e.Field).ShouldBe(
        [
            "rules[0].type", "rules[1].type", "rules[2].low", "rules[3].high", "rules[4].low", "rules[5].forSeconds", "rules[5].severity",
            "rules[6].low", "rules[6].forSeconds", "rules[7].type", "rules[8]",
        ]);
        errors.Single(e => e.Field == "rules[4].low").Reason.ShouldContain("20 to 45");
    }

    [Fact]
    public void Rules_are_required_but_may_be_empty()
    {
        var errors = new List<FieldError>();
        ThresholdValidator.Validate(null, errors);
        errors.Single().Field.ShouldBe("rules");

        Validate().Errors.ShouldBeEmpty();
    }

    [Fact]
    public void The_most_specific_scope_wins_per_vital_type_and_defaults_fill_the_rest()
    {
        var configured = new Dictionary<ThresholdScope, IReadOnlyList<ThresholdRule>>
        {
            [new(ThresholdScope.Customer, "c")] = [new("heart_rate", 45, 125, 0, "high"), new("spo2", 90, null, 0, "high")],
            [new(ThresholdScope.Department, "icu")] = [new("heart_rate", 50, 120, 0, "high")],
            [new(ThresholdScope.Department, "ward")] = [new("heart_rate", 55, 115, 0, "high")],
            [new(ThresholdScope.Patient, "p")] = [new("spo2", 85, null, 0, "medium")],
            [new(ThresholdScope.Patient, "other")] = [new("heart_rate", 30, 200, 0, "low")],
        };

        var effective = EffectiveThresholds.Resolve(configured, "c", "icu", "p");

        effective["heart_rate"].ShouldBe(new EffectiveThresholds.Effective(new("heart_rate", 50, 120, 0, "high"), "department"));
        effective["spo2"].ShouldBe(new EffectiveThresholds.Effective(new("spo2", 85, null, 0, "medium"), "patient"));
        effective["respiratory_rate"].Source.ShouldBe("default");
        EffectiveThresholds.Resolve(configured, "c", null, "p")["heart_rate"].Source.ShouldBe("customer");
    }
}

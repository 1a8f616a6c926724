using Vigil.Domain.Alerts;
using Action = Vigil.Domain.Alerts.AlertCondition.Action;

namespace Vigil.Domain.Tests.Alerts;

public sealed class AlertConditionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan ClearFor = TimeSpan.FromMinutes(5);

    private static DateTimeOffset At(int seconds) => T0.AddSeconds(seconds);

    /// <summary>Runs observations through the state machine, giving each raised alert an id, and returns the actions.</summary>
    private static (AlertCondition? State, List<Action> Actions) Run(TimeSpan sustain, params (bool Breaching, int Seconds)[] observations)
    {
        AlertCondition? state = null;
        var actions = new List<Action>();
        var alerts = 0;
        foreach (var (breaching, seconds) in observations)
        {
            (state, var action) = AlertCondition.Observe(state, breaching, At(seconds), sustain, ClearFor);
            if (action == Action.Raise)
            {
                state = state! with { AlertId = $"a{++alerts}" };
            }

            actions.Add(action);
        }

        return (state, actions);
    }

    [Fact]
    public void A_clear_observation_with_nothing_remembered_leaves_nothing()
    {
        var (state, actions) = Run(TimeSpan.Zero, (false, 0));

        state.ShouldBeNull();
        actions.ShouldBe([Action.None]);
    }

    [Fact]
    public void Without_a_sustain_time_the_first_breach_raises_and_later_ones_update_the_same_alert()
    {
        var (state, actions) = Run(TimeSpan.Zero, (true, 0), (true, 10), (true, 20));

        actions.ShouldBe([Action.Raise, Action.Update, Action.Update]);
        state!.AlertId.ShouldBe("a1");
        state.BreachSince.ShouldBe(At(0));
    }

    [Fact]
    public void A_sustained_rule_raises_only_once_the_breach_has_lasted_its_time()
    {
        var (_, actions) = Run(TimeSpan.FromSeconds(60), (true, 0), (true, 30), (true, 59), (true, 60), (true, 90));

        actions.ShouldBe([Action.None, Action.None, Action.None, Action.Raise, Action.Update]);
    }

    [Fact]
    public void A_clear_reading_before_the_sustain_time_starts_the_breach_over()
    {
        var (state, actions) = Run(TimeSpan.FromSeconds(60), (true, 0), (true, 50), (false, 55), (true, 70), (true, 120), (true, 130));

        actions.ShouldBe([Action.None, Action.None, Action.None, Action.None, Action.None, Action.Raise]);
        state!.BreachSince.ShouldBe(At(70));
    }

    [Fact]
    public void An_open_alert_resolves_once_the_condition_has_been_clear_for_the_clear_time()
    {
        var (state, actions) = Run(TimeSpan.Zero, (true, 0), (false, 60), (false, 200), (false, 359), (false, 360));

        actions.ShouldBe([Action.Raise, Action.None, Action.None, Action.None, Action.Resolve]);
        state.ShouldBeNull();
    }

    [Fact]
    public void A_breach_while_clearing_keeps_the_alert_open_and_restarts_the_clear_time()
    {
        var (state, actions) = Run(TimeSpan.Zero, (true, 0), (false, 60), (true, 200), (false, 300), (false, 599), (false, 600));

        actions.ShouldBe([Action.Raise, Action.None, Action.Update, Action.None, Action.None, Action.Resolve]);
        state.ShouldBeNull();
    }

    [Fact]
    public void With_no_clear_time_the_first_clear_observation_resolves()
    {
        AlertCondition? state = null;
        (state, _) = AlertCondition.Observe(state, true, At(0), TimeSpan.Zero, TimeSpan.Zero);
        state = state! with { AlertId = "a1" };

        var (next, action) = AlertCondition.Observe(state, false, At(1), TimeSpan.Zero, TimeSpan.Zero);

        action.ShouldBe(Action.Resolve);
        next.ShouldBeNull();
    }

    [Fact]
    public void An_observation_older_than_the_latest_is_about_the_past_and_changes_nothing()
    {
        var (state, _) = Run(TimeSpan.Zero, (true, 100));

        var (next, action) = AlertCondition.Observe(state, false, At(50), TimeSpan.Zero, TimeSpan.Zero);

        action.ShouldBe(Action.None);
        next.ShouldBe(state);
    }

    [Fact]
    public void After_resolving_a_new_breach_raises_a_new_alert()
    {
        var (_, actions) = Run(TimeSpan.Zero, (true, 0), (false, 10), (false, 400), (true, 500));

        actions.ShouldBe([Action.Raise, Action.None, Action.Resolve, Action.Raise]);
    }
}

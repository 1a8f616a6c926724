using Vigil.Domain.Alerts;
using Vigil.Domain.Insights;
using Vigil.Domain.Simulation;

namespace Vigil.Domain.Tests.Insights;

/// <summary>
/// The default anomaly rule on simulated patients (fixed seeds), as docs/insights.md reports it at larger scale with
/// bench/Vigil.Evaluation: silent on patients whose normal is unusual but steady, where fixed thresholds fire, and
/// earlier than the fixed thresholds on a deterioration.
/// </summary>
public sealed class AnomalyOnSimulatedPatientsTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Round = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan AutoResolve = TimeSpan.FromMinutes(5);

    /// <summary>The times anomaly alerts and threshold breaches were first raised, running a patient for <paramref name="duration"/>.</summary>
    private static (List<DateTimeOffset> Anomalies, List<DateTimeOffset> Thresholds) Run(SimulatedPatient patient, TimeSpan duration)
    {
        var streams = new Dictionary<string, MinuteStream>();
        var conditions = new Dictionary<string, AlertCondition?>();
        var limits = ThresholdDefaults.Rules.ToDictionary(r => r.Type);
        var anomalies = new List<DateTimeOffset>();
        var thresholds = new List<DateTimeOffset>();
        for (var at = Start; at < Start + duration; at += Round)
        {
            foreach (var reading in patient.Observe(at))
            {
                if (reading.Value is not { } value)
                {
                    continue;
                }

                if (limits.TryGetValue(reading.Type, out var limit) && Observe("threshold:" + reading.Type, limit.IsBreachedBy(value), at, TimeSpan.Zero))
                {
                    thresholds.Add(at);
                }

                var stream = streams.TryGetValue(reading.Type, out var known) ? known : MinuteStream.Start(reading.Type);
                (streams[reading.Type], var completed) = stream.Add(at, value);
                var rule = new AnomalyRule(reading.Type, AnomalyDefaults.K, AnomalyDefaults.Minutes, AnomalyDefaults.WarmupMinutes, AnomalyDefaults.Severity);
                if (completed is not null && Observe("anomaly:" + reading.Type, rule.IsBreachedBy(completed), completed.Start, rule.Sustain))
                {
                    anomalies.Add(at);
                }
            }
        }

        return (anomalies, thresholds);

        bool Observe(string rule, bool breaching, DateTimeOffset at, TimeSpan sustain)
        {
            var (next, action) = AlertCondition.Observe(conditions.GetValueOrDefault(rule), breaching, at, sustain, AutoResolve);
            conditions[rule] = action == AlertCondition.Action.Raise ? next! with { AlertId = rule } : next;
            return action == AlertCondition.Action.Raise;
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void A_patient_whose_normal_is_unusual_but_steady_raises_threshold_alerts_and_no_anomaly_alert(int seed)
    {
        var patient = new SimulatedPatient("atypical", seed, Scenario.Stable, Start, drawBaseline: Baseline.DrawAtypical);

        var (anomalies, thresholds) = Run(patient, TimeSpan.FromHours(12));

        thresholds.ShouldNotBeEmpty("an athlete's pulse or a lung patient's SpO2 sits at the fixed limits");
        anomalies.ShouldBeEmpty();
    }

    [Theory]
    [InlineData(Scenario.Sepsis, 11)]
    [InlineData(Scenario.Sepsis, 12)]
    [InlineData(Scenario.Bradycardia, 13)]
    [InlineData(Scenario.Bradycardia, 14)]
    public void A_deterioration_raises_an_anomaly_alert_after_onset_and_before_the_fixed_thresholds(string course, int seed)
    {
        // Two hours of warm-up; the course shows from its onset 15 minutes later.
        var courseStart = Start.AddHours(2);
        var onset = courseStart + CourseTiming.Ward.Onset;
        var patient = new SimulatedPatient("deteriorating", seed, course, courseStart, CourseTiming.Ward);

        var (anomalies, thresholds) = Run(patient, TimeSpan.FromHours(5));

        anomalies.ShouldNotBeEmpty();
        thresholds.ShouldNotBeEmpty();
        var first = anomalies.Min();
        first.ShouldBeGreaterThan(onset);
        first.ShouldBeLessThan(onset.AddMinutes(60));
        first.ShouldBeLessThan(thresholds.Min());
    }
}

using Vigil.Domain.Alerts;
using Vigil.Domain.Insights;
using Vigil.Domain.Readings;
using Vigil.Domain.Scoring;
using Vigil.Domain.Simulation;

namespace Vigil.Evaluation;

/// <summary>
/// One simulated patient observed every <c>interval</c> for <c>duration</c>, each reading going to the default
/// threshold rules, each round to NEWS2 (Scale 1, latest value of each parameter within the hour) and each reading to
/// the personal baseline of its vital, whose completed minutes go to every anomaly rule variant under test.
/// </summary>
internal static class PatientRun
{
    public static readonly string[] AnomalyTypes = ["heart_rate", "respiratory_rate", "spo2", "temperature", "systolic_bp", "diastolic_bp"];

    public sealed record Result(RuleFamily Thresholds, RuleFamily News2, IReadOnlyList<RuleFamily> Anomaly);

    public static Result Run(
        SimulatedPatient patient, DateTimeOffset start, TimeSpan duration, TimeSpan interval, IReadOnlyList<(string Name, double K, int Minutes)> variants)
    {
        var autoResolve = TimeSpan.FromMinutes(5);
        var thresholds = new RuleFamily("thresholds", autoResolve);
        var news2 = new RuleFamily("news2", autoResolve);
        var anomaly = variants.Select(v => new RuleFamily(v.Name, autoResolve)).ToList();
        var rules = ThresholdDefaults.Rules.Where(r => r.Type != ThresholdRule.DataGapType).ToDictionary(r => r.Type);
        var streams = AnomalyTypes.ToDictionary(t => t, MinuteStream.Start);
        var latest = new Dictionary<string, Reading>();
        var n = 0;
        for (var at = start; at < start + duration; at += interval)
        {
            foreach (var s in patient.Observe(at))
            {
                var type = VitalTypes.All.First(t => t.Name == s.Type);
                var value = s.Value ?? (s.Flag is { } flag ? (flag ? 1 : 0) : null);
                var reading = new Reading($"r{n++}", patient.Id, null, type, value, s.Text, at);
                latest[type.Name] = reading;
                if (s.Value is not { } v)
                {
                    continue;
                }

                if (rules.TryGetValue(s.Type, out var rule))
                {
                    thresholds.Observe(AlertRules.Threshold(s.Type), rule.IsBreachedBy(v), at, rule.Sustain, at);
                }

                if (streams.TryGetValue(s.Type, out var stream))
                {
                    var (next, completed) = stream.Add(at, v);
                    streams[s.Type] = next;
                    if (completed is not null)
                    {
                        for (var i = 0; i < variants.Count; i++)
                        {
                            var anomalyRule = new AnomalyRule(s.Type, variants[i].K, variants[i].Minutes, AnomalyDefaults.WarmupMinutes, AnomalyDefaults.Severity);
                            anomaly[i].Observe("anomaly:" + s.Type, anomalyRule.IsBreachedBy(completed), completed.Start, anomalyRule.Sustain, at);
                        }
                    }
                }
            }

            var recent = latest.Values.Where(r => at - r.ObservedAt <= News2Calculator.Window).ToList();
            if (recent.Count > 0)
            {
                var score = News2Calculator.Calculate(recent, 1);
                news2.Observe(AlertRules.News2, score.Risk != News2Risk.Low, at, TimeSpan.Zero, at);
            }
        }

        return new Result(thresholds, news2, anomaly);
    }
}

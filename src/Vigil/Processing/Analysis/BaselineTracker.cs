using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Vigil.Domain.Alerts;
using Vigil.Domain.Insights;
using Vigil.Domain.Readings;
using Vigil.Processing.Alerts;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// The analyze role's baselines stage: folds each patient's quantity readings into one-minute means per vital
/// (<see cref="MinuteStream"/>), keeps each patient's <see cref="PersonalBaseline"/> per vital in
/// <c>vital_baselines</c>, and reports every completed minute to the patient's effective anomaly rule for that vital,
/// so anomaly alerts are raised, updated and auto-resolved by <see cref="AlertStore"/> like threshold alerts. Its
/// effects commit with the <see cref="Analyzer"/>'s offset.
/// </summary>
/// <remarks>
/// Cheap per reading: an addition in memory. A row is written only when a vital's open minute moves on (about once a
/// minute per patient and vital, in one statement per batch), and rules are read once per batch through
/// <see cref="AnomalyRuleCache"/>. Streams are cached across batches as <see cref="WindowAggregator"/> caches windows:
/// taken out for a batch and put back once it has committed. It runs before the windows stage, because a stream read
/// from the store takes its open minute's count and sum from that minute's stored 1m aggregate, which must not yet
/// include the batch's own readings.
/// </remarks>
public sealed class BaselineTracker(AlertStore alerts, IOptions<AlertOptions> options)
{
    private readonly AnomalyRuleCache _rules = new();
    private readonly Dictionary<(string CustomerId, string PatientId), Dictionary<string, MinuteStream>> _patients = [];

    public void Apply(WriteContext ctx, IReadOnlyList<EnrichedReading> readings)
    {
        _rules.Refresh(ctx);
        var autoResolve = options.Value.AutoResolveAfter;
        var patients = new Dictionary<(string CustomerId, string PatientId), Dictionary<string, MinuteStream>>();
        var moved = new HashSet<(string CustomerId, string PatientId, string Type)>();
        foreach (var r in readings)
        {
            if (r.Type is not { Kind: ValueKind.Quantity } type || r.Number is not { } value)
            {
                continue;
            }

            var key = (r.CustomerId, r.PatientId);
            if (!patients.TryGetValue(key, out var streams))
            {
                patients[key] = streams = Load(ctx, r.CustomerId, r.PatientId);
            }

            var stream = streams.TryGetValue(type.Name, out var known) ? known : MinuteStream.Start(type.Name);
            var (next, completed) = stream.Add(r.ObservedAt, value);
            streams[type.Name] = next;
            if (next.OpenMinute != stream.OpenMinute)
            {
                moved.Add((r.CustomerId, r.PatientId, type.Name));
            }

            if (completed is null || !_rules.For(ctx, r.CustomerId, r.DepartmentId, r.PatientId).TryGetValue(type.Name, out var effective))
            {
                continue;
            }

            var rule = effective.Rule;
            var breaching = rule.IsBreachedBy(completed);
            alerts.Observe(ctx, new AlertStore.Signal(
                r.CustomerId, r.PatientId, r.DepartmentId, AlertRules.Anomaly(type.Name), AlertRules.AnomalyKind, breaching, rule.Severity,
                completed.Start, completed.Mean, breaching ? Describe(type, completed) : "",
                breaching ? Details(type, completed, effective) : "{}", rule.Sustain, autoResolve));
        }

        BaselineStore.Save(ctx, moved.Select(m => (m.CustomerId, m.PatientId, patients[(m.CustomerId, m.PatientId)][m.Type])));
        ctx.OnCommitted(() =>
        {
            foreach (var (key, streams) in patients)
            {
                _patients[key] = streams;
            }
        });
    }

    /// <summary>Drops every cached patient: the next batch reads what it needs from the store.</summary>
    public void Forget() => _patients.Clear();

    private Dictionary<string, MinuteStream> Load(WriteContext ctx, string customerId, string patientId) =>
        _patients.Remove((customerId, patientId), out var cached)
            ? cached
            : BaselineStore.Load(ctx, customerId, patientId).ToDictionary(s => s.Type);

    private static string Describe(VitalType type, MinuteStream.CompletedMinute minute)
    {
        var unit = type.Unit is null ? "" : " " + type.Unit;
        var deviation = minute.Deviation!.Value;
        return string.Create(CultureInfo.InvariantCulture,
            $"{type.Name} {minute.Mean:0.#}{unit} (minute mean) is {Math.Abs(deviation):0.#} spreads {(deviation > 0 ? "above" : "below")} the patient's baseline {minute.Before.Level:0.#}{unit}");
    }

    private static string Details(VitalType type, MinuteStream.CompletedMinute minute, EffectiveAnomalyRules.Effective effective)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", type.Name);
            w.WriteString("minute", minute.Start);
            w.WriteNumber("mean", minute.Mean);
            w.WriteNumber("count", minute.Count);
            if (type.Unit is not null)
            {
                w.WriteString("unit", type.Unit);
            }

            w.WriteNumber("baseline", minute.Before.Level);
            w.WriteNumber("spread", minute.Before.Scale(type.Name));
            w.WriteNumber("deviation", minute.Deviation!.Value);
            w.WriteNumber("k", effective.Rule.K);
            w.WriteNumber("minutes", effective.Rule.Minutes);
            w.WriteNumber("warmupMinutes", effective.Rule.WarmupMinutes);
            w.WriteString("source", effective.Source);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

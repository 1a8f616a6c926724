using Vigil.Domain;
using Vigil.Domain.Insights;
using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using Vigil.Processing.Analysis;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.Reference;
using Vigil.Storage.Timeline;

namespace Vigil.Insights.Summary;

/// <summary>
/// Reads a patient's <see cref="SummaryFacts"/> from what Vigil stores: the 5-minute aggregates of each vital (range,
/// mean, latest, and the trend through their means), the NEWS2 scores, the alerts and the clinical events of the period.
/// </summary>
public sealed class SummaryFactsReader(IDatabase db, ReferenceStore reference, WindowStore windows, AlertStore alerts, PatientTimeline timeline)
{
    public static readonly TimeSpan Period = TimeSpan.FromHours(24);

    /// <summary>The facts of the 24 hours before <paramref name="now"/>; null when the customer has no such patient.</summary>
    public async Task<SummaryFacts?> ReadAsync(string tenant, string patientId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await reference.GetPatientAsync(tenant, patientId) is not { } patient)
        {
            return null;
        }

        var from = EventTime.Truncate(now - Period);
        var to = EventTime.Truncate(now);
        var vitals = new List<VitalFact>();
        foreach (var type in VitalTypes.All.Where(t => t.Kind == ValueKind.Quantity))
        {
            var series = (await windows.QueryAsync(tenant, patientId, type, WindowSize.FiveMinutes, from, to, cancellationToken)).Where(w => w.Count > 0).ToList();
            if (series.Count == 0)
            {
                continue;
            }

            var count = series.Sum(w => w.Count);
            var latest = series.MaxBy(w => w.LastAt)!;
            var trend = TrendLine.Fit([.. series.Select(w => new TrendPoint(w.Start + w.Size.Length / 2, w.Mean, w.Count))]);
            vitals.Add(new VitalFact(type.Name, type.Unit, count, series.Min(w => w.Min), series.Max(w => w.Max),
                Math.Round(series.Sum(w => w.Sum) / count, 2), latest.Last, latest.LastAt, trend is null ? null : VitalTrend.From(trend)));
        }

        var scores = await News2ScoreStore.HistoryAsync(db, tenant, patientId, from, to, 10_000, cancellationToken);
        News2Course? news2 = null;
        if (scores.Count > 0)
        {
            static News2Point Point(News2ScoreStore.Row r) => new((int)r.Score, r.Risk, EventTime.FromMicros(r.At));
            news2 = new News2Course(Point(scores[^1]), Point(scores[0]), Point(scores.MaxBy(s => s.Score)!), scores.Count - 1);
        }

        var raised = (await alerts.ListAsync(tenant, new AlertStore.Query(patientId, null, null, null, from, to, null, 500), cancellationToken)).Items;
        var open = (await alerts.ListAsync(tenant, new AlertStore.Query(patientId, "open", null, null, null, null, null, 500), cancellationToken)).Items;
        var alertFacts = new AlertFacts(
            raised.Count,
            raised.GroupBy(a => a.Severity).OrderByDescending(g => Domain.Alerts.AlertSeverity.Rank(g.Key)).ToDictionary(g => g.Key, g => g.Count()),
            open.Count,
            [.. raised.Concat(open).DistinctBy(a => a.Id).Select(a => new AlertFact(a.Rule, a.Severity, a.Status, a.Message, a.CreatedAt))]);

        var events = (await timeline.ReadAsync(tenant, patientId, from, to, 1000, cancellationToken)).Where(e => e.Kind == "event")
            .GroupBy(e => e.Type).OrderByDescending(g => g.Count()).ThenBy(g => g.Key).Select(g => new EventCount(g.Key, g.Count())).ToList();
        return new SummaryFacts(patient.Id, patient.Name, patient.DepartmentId, from, to, vitals, news2, alertFacts, events);
    }
}

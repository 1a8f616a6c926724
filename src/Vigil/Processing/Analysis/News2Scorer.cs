using Microsoft.Extensions.Options;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Readings;
using Vigil.Domain.Scoring;
using Vigil.Processing.Alerts;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// The NEWS2 part of the analyze role. It keeps, per patient, the latest value (by event time) of each NEWS2 parameter
/// in <c>news2_latest</c>; for every patient a batch touches it scores those values (the calculator takes the ones within
/// 60 minutes before the newest) on the patient's SpO2 scale, and records the score when it differs from the patient's
/// latest one. A late reading older than the stored value changes nothing, a newer one replaces it, so the score is
/// the one of everything stored; and all state is in the transaction, so a batch handled twice computes the same.
/// Each score is also the observation of the NEWS2 alert rule: low-medium and medium call for an urgent response,
/// high for an emergency response (RCP 2017), and a low score clears the alert.
/// </summary>
public sealed class News2Scorer(AlertStore alerts, IOptions<AlertOptions> alertOptions)
{
    private static readonly BulkUpsert LatestUpsert = new("news2_latest.upsert", "news2_latest",
        [
            ("customer_id", BulkType.Text), ("patient_id", BulkType.Text), ("type", BulkType.Text), ("reading_id", BulkType.Text),
            ("value", BulkType.Double), ("text", BulkType.Text), ("observed_at", BulkType.Int64),
        ],
        """
        ON CONFLICT (customer_id, patient_id, type) DO UPDATE
        SET reading_id = excluded.reading_id, value = excluded.value, text = excluded.text, observed_at = excluded.observed_at
        WHERE excluded.observed_at >= news2_latest.observed_at
        """);

    public void Apply(WriteContext ctx, IReadOnlyList<EnrichedReading> readings)
    {
        // Per patient and parameter, the reading the batch leaves as the latest: the newest by event time, and of equal
        // times the later arrival, as in the calculator. The upsert keeps the stored value when it is newer still.
        var newest = new Dictionary<(string CustomerId, string PatientId, string Type), EnrichedReading>();
        // Per patient, the SpO2 scale of the last message: the patient's reference data as of the newest reading.
        var touched = new Dictionary<(string CustomerId, string PatientId), (int Spo2Scale, string? DepartmentId)>();
        // Per patient, the trace of the last reading: a NEWS2 alert the round raises continues it.
        var traces = new Dictionary<(string CustomerId, string PatientId), string?>();
        foreach (var r in readings)
        {
            if (r.Type is not { } type || !Parameters.Contains(type))
            {
                continue;
            }

            var key = (r.CustomerId, r.PatientId, type.Name);
            if (!newest.TryGetValue(key, out var kept) || r.ObservedAt >= kept.ObservedAt)
            {
                newest[key] = r;
            }

            touched[(r.CustomerId, r.PatientId)] = (r.Spo2Scale, r.DepartmentId);
            traces[(r.CustomerId, r.PatientId)] = r.TraceParent;
        }

        LatestUpsert.Execute(ctx, [.. newest.Values.Select(r => new object?[]
        {
            r.CustomerId, r.PatientId, r.Type!.Name, r.Id, r.Number, r.Text, EventTime.ToMicros(r.ObservedAt),
        })]);

        var parameters = touched.Keys.ToDictionary(p => p, _ => new List<Reading>(7));
        PatientRows.Read(ctx, "SELECT customer_id, patient_id, reading_id, type, value, text, observed_at FROM news2_latest WHERE {patients}",
            touched.Keys, row =>
            {
                VitalTypes.TryGetByName(row.GetString(3), out var type);
                parameters[(row.GetString(0), row.GetString(1))].Add(new Reading(
                    row.GetString(2), row.GetString(1), null, type, row.IsDBNull(4) ? null : row.GetDouble(4), row.IsDBNull(5) ? null : row.GetString(5),
                    EventTime.FromMicros(row.GetInt64(6))));
            });

        var latestScores = News2ScoreStore.Latest(ctx, touched.Keys);
        foreach (var ((customerId, patientId), (scale, departmentId)) in touched)
        {
            var score = News2Calculator.Calculate(parameters[(customerId, patientId)], scale);
            if (score.At is { } at)
            {
                News2ScoreStore.AddIfChanged(ctx, customerId, patientId, score, latestScores.GetValueOrDefault((customerId, patientId)));
                ctx.TraceParent = traces[(customerId, patientId)];
                ObserveAlert(ctx, customerId, patientId, departmentId, score, at);
                ctx.TraceParent = null;
            }
        }
    }

    private void ObserveAlert(WriteContext ctx, string customerId, string patientId, string? departmentId, News2Score score, DateTimeOffset at)
    {
        var breaching = score.Risk != News2Risk.Low;
        var severity = score.Risk == News2Risk.High ? AlertSeverity.Emergency : AlertSeverity.Urgent;
        var message = breaching ? $"NEWS2 {score.Score} ({score.Risk}): {severity} clinical response" : "";
        var details = breaching
            ? $$"""{"score":{{score.Score}},"risk":"{{score.Risk}}","complete":{{(score.Complete ? "true" : "false")}},"parameters":{{News2ScoreStore.ParametersJson(score)}}}"""
            : "{}";
        alerts.Observe(ctx, new AlertStore.Signal(customerId, patientId, departmentId, AlertRules.News2, AlertRules.News2Kind, breaching, severity,
            at, score.Score, message, details, TimeSpan.Zero, alertOptions.Value.AutoResolveAfter));
    }

    /// <summary>The vital types that are NEWS2 parameters.</summary>
    private static readonly HashSet<VitalType> Parameters =
    [
        VitalTypes.RespiratoryRate, VitalTypes.Spo2, VitalTypes.OxygenSupplement, VitalTypes.SystolicBp,
        VitalTypes.HeartRate, VitalTypes.Consciousness, VitalTypes.Temperature,
    ];
}

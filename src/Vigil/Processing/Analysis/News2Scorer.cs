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
    private const string UpsertLatestSql = """
        INSERT INTO news2_latest (customer_id, patient_id, type, reading_id, value, text, observed_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT (customer_id, patient_id, type) DO UPDATE
        SET reading_id = excluded.reading_id, value = excluded.value, text = excluded.text, observed_at = excluded.observed_at
        WHERE excluded.observed_at >= news2_latest.observed_at
        """;

    private const string LatestSql = "SELECT reading_id, type, value, text, observed_at FROM news2_latest WHERE customer_id = ?1 AND patient_id = ?2";

    public void Apply(WriteContext ctx, IReadOnlyList<EnrichedReading> readings)
    {
        var upsert = ctx.Statement("news2.latest.upsert", UpsertLatestSql);
        // Per patient, the SpO2 scale of the last message: the patient's reference data as of the newest reading.
        var touched = new Dictionary<(string CustomerId, string PatientId), (int Spo2Scale, string? DepartmentId)>();
        foreach (var r in readings)
        {
            if (r.Type is not { } type || !Parameters.Contains(type))
            {
                continue;
            }

            // A later arrival with the same event time replaces the earlier one (">=" in the upsert), as in the calculator.
            upsert.Bind(1, r.CustomerId).Bind(2, r.PatientId).Bind(3, type.Name).Bind(4, r.Id).Bind(5, r.Number).Bind(6, r.Text)
                .Bind(7, EventTime.ToMicros(r.ObservedAt))
                .Execute();
            touched[(r.CustomerId, r.PatientId)] = (r.Spo2Scale, r.DepartmentId);
        }

        var latest = ctx.Statement("news2.latest.read", LatestSql);
        foreach (var ((customerId, patientId), (scale, departmentId)) in touched)
        {
            var parameters = new List<Reading>(7);
            latest.Bind(1, customerId).Bind(2, patientId).QueryAll(row =>
            {
                VitalTypes.TryGetByName(row.Text(1)!, out var type);
                parameters.Add(new Reading(row.Text(0)!, patientId, null, type, row.IsNull(2) ? null : row.Double(2), row.Text(3), EventTime.FromMicros(row.Int64(4))));
            });
            var score = News2Calculator.Calculate(parameters, scale);
            if (score.At is { } at)
            {
                News2ScoreStore.AddIfChanged(ctx, customerId, patientId, score);
                ObserveAlert(ctx, customerId, patientId, departmentId, score, at);
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

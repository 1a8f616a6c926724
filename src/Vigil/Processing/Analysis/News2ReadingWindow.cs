using Dapper;
using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Domain.Scoring;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// Reads, inside a write transaction, the NEWS2 readings of the patients a batch touched: for each, the readings of the
/// seven NEWS2 types observed within <see cref="News2Calculator.Window"/> (event time) before the patient's newest one.
/// Like <c>ReadingStore.QueryAsync</c> it reads <c>readings_by_patient</c> up to <c>indexed_upto</c> plus the table's
/// unindexed tail, so it sees every stored reading; the tail (about one index batch at most) is scanned once per batch
/// for all its patients, not once per patient, because this runs on the single writer thread.
/// </summary>
internal sealed class News2ReadingWindow
{
    /// <summary>The vital types that are NEWS2 parameters.</summary>
    public static readonly IReadOnlySet<string> Types = new HashSet<string>(
    [
        VitalTypes.RespiratoryRate.Name, VitalTypes.Spo2.Name, VitalTypes.OxygenSupplement.Name, VitalTypes.SystolicBp.Name,
        VitalTypes.HeartRate.Name, VitalTypes.Consciousness.Name, VitalTypes.Temperature.Name,
    ]);

    // Type names are Vigil's own constants (letters and underscores), so listing them inline is safe.
    private static readonly string TypeList = string.Join(", ", Types.Select(t => $"'{t}'"));

    private static readonly long WindowMicros = (long)News2Calculator.Window.TotalMicroseconds;

    private readonly WriteContext _ctx;
    private readonly Dictionary<(string CustomerId, string PatientId), List<Row>> _tail = [];

    public News2ReadingWindow(WriteContext ctx, IReadOnlyCollection<(string CustomerId, string PatientId)> patients)
    {
        _ctx = ctx;
        var wanted = patients.ToHashSet();
        var tail = ctx.Connection.Query<Row>(
            $"""
            SELECT seq, customer_id, patient_id, id, type, value, text, observed_at FROM readings
            WHERE seq > (SELECT indexed_upto FROM readings_index_state WHERE id = 1) AND type IN ({TypeList})
            """, transaction: ctx.Transaction);
        foreach (var row in tail)
        {
            var key = (row.CustomerId, row.PatientId);
            if (wanted.Contains(key))
            {
                if (!_tail.TryGetValue(key, out var list))
                {
                    _tail[key] = list = [];
                }

                list.Add(row);
            }
        }
    }

    /// <summary>The patient's NEWS2 readings in the window, in event-time then arrival order; empty when there are none.</summary>
    public IReadOnlyList<Reading> For(string customerId, string patientId)
    {
        var tail = _tail.GetValueOrDefault((customerId, patientId)) ?? [];
        var newestIndexed = _ctx.Connection.ExecuteScalar<long?>(
            $"""
            SELECT observed_at FROM readings_by_patient
            WHERE customer_id = @customerId AND patient_id = @patientId AND type IN ({TypeList})
            ORDER BY observed_at DESC LIMIT 1
            """, new { customerId, patientId }, _ctx.Transaction);
        long? newest = tail.Count == 0 ? newestIndexed : Math.Max(tail.Max(r => r.ObservedAt), newestIndexed ?? long.MinValue);
        if (newest is not { } last)
        {
            return [];
        }

        var since = last - WindowMicros;
        var indexed = newestIndexed is null || newestIndexed < since
            ? []
            : _ctx.Connection.Query<Row>(
                $"""
                SELECT r.seq, r.customer_id, r.patient_id, r.id, r.type, r.value, r.text, r.observed_at
                FROM readings_by_patient i JOIN readings r ON r.seq = i.seq
                WHERE i.customer_id = @customerId AND i.patient_id = @patientId AND i.observed_at >= @since AND i.type IN ({TypeList})
                """, new { customerId, patientId, since }, _ctx.Transaction);
        return indexed.Concat(tail.Where(r => r.ObservedAt >= since))
            .OrderBy(r => r.ObservedAt).ThenBy(r => r.Seq)
            .Select(r => r.ToReading())
            .ToList();
    }

    private sealed record Row(long Seq, string CustomerId, string PatientId, string Id, string Type, double? Value, string? Text, long ObservedAt)
    {
        public Reading ToReading()
        {
            VitalTypes.TryGetByName(Type, out var type);
            return new Reading(Id, PatientId, null, type, Value, Text, EventTime.FromMicros(ObservedAt));
        }
    }
}

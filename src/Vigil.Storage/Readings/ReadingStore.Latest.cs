using Dapper;
using Vigil.Domain;
using Vigil.Domain.Readings;

namespace Vigil.Storage.Readings;

public sealed partial class ReadingStore
{
    /// <summary>
    /// A patient's latest reading (by event time) of each vital type that has one, in the order of
    /// <see cref="VitalTypes.All"/>: one indexed look-up per type, plus the not yet indexed tail as in <see cref="QueryAsync"/>.
    /// </summary>
    public async Task<IReadOnlyList<StoredReading>> LatestAsync(string customerId, string patientId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var latest = new List<StoredReading>();
        foreach (var type in VitalTypes.All)
        {
            var row = await c.QuerySingleOrDefaultAsync<ReadingRow>(new CommandDefinition(
                $"""
                WITH hits AS (
                    SELECT * FROM (
                        SELECT seq, observed_at FROM readings_by_patient
                        WHERE customer_id = @customerId AND patient_id = @patientId AND type = @type
                        ORDER BY observed_at DESC, seq DESC LIMIT 1) AS indexed
                    UNION ALL
                    SELECT * FROM (
                        SELECT seq, observed_at FROM readings
                        WHERE seq > (SELECT indexed_upto FROM readings_index_state WHERE id = 1)
                          AND customer_id = @customerId AND patient_id = @patientId AND type = @type
                        ORDER BY observed_at DESC, seq DESC LIMIT 1) AS tail)
                SELECT {ReadingRow.Columns} FROM hits h JOIN readings r ON r.seq = h.seq
                ORDER BY h.observed_at DESC, h.seq DESC
                LIMIT 1
                """,
                new { customerId, patientId, type = type.Name },
                cancellationToken: cancellationToken));
            if (row is not null)
            {
                latest.Add(new StoredReading(row.ToReading(), EventTime.FromMicros(row.ReceivedAt)));
            }
        }

        return latest;
    }
}

using Dapper;
using Npgsql;
using NpgsqlTypes;
using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Postgres;

/// <summary>
/// The bulk path of ingest on PostgreSQL: a request's readings go into a temporary table by binary COPY (one round trip
/// for the whole batch), then into <c>readings</c> with one <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING</c>;
/// the ids that were already there are read back in one query so the caller can tell resends from conflicts.
/// </summary>
internal static class PostgresReadings
{
    private const string Columns = "customer_id, id, patient_id, device_id, type, value, text, observed_at, received_at";

    private sealed record Stored(string Id, string PatientId, string? DeviceId, string Type, double? Value, string? Text, long ObservedAt);

    public static IReadOnlyList<Reading?> InsertOrFind(WriteContext ctx, string customerId, IReadOnlyList<Reading> readings, DateTimeOffset receivedAt)
    {
        var connection = (NpgsqlConnection)ctx.Connection;
        // A temporary table of the writer's session, emptied after each use since several jobs share a transaction. Made
        // here every time (a catalog lookup once it exists): a transaction that rolled back would take its creation along.
        connection.Execute($"CREATE TEMPORARY TABLE IF NOT EXISTS incoming_readings (n INTEGER NOT NULL, {ColumnTypes})", transaction: ctx.Transaction);
        var received = EventTime.ToMicros(receivedAt);
        using (var copy = connection.BeginBinaryImport($"COPY incoming_readings (n, {Columns}) FROM STDIN (FORMAT BINARY)"))
        {
            for (var i = 0; i < readings.Count; i++)
            {
                var r = readings[i];
                copy.StartRow();
                copy.Write(i, NpgsqlDbType.Integer);
                copy.Write(customerId, NpgsqlDbType.Text);
                copy.Write(r.Id, NpgsqlDbType.Text);
                copy.Write(r.PatientId, NpgsqlDbType.Text);
                WriteText(copy, r.DeviceId);
                copy.Write(r.Type.Name, NpgsqlDbType.Text);
                if (r.Value is { } value)
                {
                    copy.Write(value, NpgsqlDbType.Double);
                }
                else
                {
                    copy.WriteNull();
                }

                WriteText(copy, r.Text);
                copy.Write(EventTime.ToMicros(r.ObservedAt), NpgsqlDbType.Bigint);
                copy.Write(received, NpgsqlDbType.Bigint);
            }

            copy.Complete();
        }

        var inserted = connection.Query<string>(
            $"INSERT INTO readings ({Columns}) SELECT {Columns} FROM incoming_readings ORDER BY n ON CONFLICT (customer_id, id) DO NOTHING RETURNING id",
            transaction: ctx.Transaction).ToHashSet();
        var existing = new Reading?[readings.Count];
        if (inserted.Count < readings.Count)
        {
            var stored = connection.Query<Stored>(
                    """
                    SELECT r.id, r.patient_id, r.device_id, r.type, r.value, r.text, r.observed_at
                    FROM readings r JOIN incoming_readings i ON r.customer_id = i.customer_id AND r.id = i.id
                    WHERE NOT (r.id = ANY(@inserted))
                    """, new { inserted = inserted.ToArray() }, ctx.Transaction)
                .ToDictionary(s => s.Id);
            for (var i = 0; i < readings.Count; i++)
            {
                if (stored.TryGetValue(readings[i].Id, out var s))
                {
                    VitalTypes.TryGetByName(s.Type, out var type);
                    existing[i] = new Reading(s.Id, s.PatientId, s.DeviceId, type, s.Value, s.Text, EventTime.FromMicros(s.ObservedAt));
                }
            }
        }

        connection.Execute("TRUNCATE incoming_readings", transaction: ctx.Transaction);
        return existing;
    }

    private const string ColumnTypes =
        "customer_id TEXT NOT NULL, id TEXT NOT NULL, patient_id TEXT NOT NULL, device_id TEXT, type TEXT NOT NULL, value DOUBLE PRECISION, text TEXT, observed_at BIGINT NOT NULL, received_at BIGINT NOT NULL";

    private static void WriteText(NpgsqlBinaryImporter copy, string? value)
    {
        if (value is null)
        {
            copy.WriteNull();
        }
        else
        {
            copy.Write(value, NpgsqlDbType.Text);
        }
    }
}

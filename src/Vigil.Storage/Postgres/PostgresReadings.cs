using Dapper;
using Npgsql;
using NpgsqlTypes;
using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Postgres;

/// <summary>
/// The bulk path of ingest on PostgreSQL: a request's readings go into <c>readings</c> by binary COPY (one round trip
/// for the whole batch). When an id is already stored the COPY fails and is undone to a savepoint; the readings then go
/// into a temporary table by COPY and on into <c>readings</c> with one <c>INSERT ... SELECT ... ON CONFLICT DO NOTHING
/// RETURNING</c>, and the ids that were already there are read back in one query so the caller can tell resends from
/// conflicts.
/// </summary>
internal static class PostgresReadings
{
    private const string Columns = "customer_id, id, patient_id, device_id, type, value, text, observed_at, received_at";

    private sealed record Stored(string Id, string PatientId, string? DeviceId, string Type, double? Value, string? Text, long ObservedAt);

    public static IReadOnlyList<Reading?> InsertOrFind(WriteContext ctx, string customerId, IReadOnlyList<Reading> readings, DateTimeOffset receivedAt)
    {
        var connection = (NpgsqlConnection)ctx.Connection;
        var received = EventTime.ToMicros(receivedAt);
        // Nearly every request is new readings: COPY them straight into the table, under a savepoint. An id already
        // there (a resend, or another request's) breaks the COPY; back out to the savepoint and sort the batch out
        // through the temporary table below.
        connection.Execute("SAVEPOINT readings_copy", transaction: ctx.Transaction);
        try
        {
            Copy(connection, $"COPY readings ({Columns}) FROM STDIN (FORMAT BINARY)", customerId, readings, received, numbered: false);
            connection.Execute("RELEASE SAVEPOINT readings_copy", transaction: ctx.Transaction);
            return new Reading?[readings.Count];
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            connection.Execute("ROLLBACK TO SAVEPOINT readings_copy; RELEASE SAVEPOINT readings_copy", transaction: ctx.Transaction);
        }

        return InsertOrFindThroughStaging(ctx, connection, customerId, readings, received);
    }

    private static IReadOnlyList<Reading?> InsertOrFindThroughStaging(
        WriteContext ctx, NpgsqlConnection connection, string customerId, IReadOnlyList<Reading> readings, long received)
    {
        // A temporary table of the writer's session, emptied after each use since several jobs share a transaction. Made
        // here every time (a catalog lookup once it exists): a transaction that rolled back would take its creation along.
        connection.Execute($"CREATE TEMPORARY TABLE IF NOT EXISTS incoming_readings (n INTEGER NOT NULL, {ColumnTypes})", transaction: ctx.Transaction);
        Copy(connection, $"COPY incoming_readings (n, {Columns}) FROM STDIN (FORMAT BINARY)", customerId, readings, received, numbered: true);

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

        connection.Execute("DELETE FROM incoming_readings", transaction: ctx.Transaction);
        return existing;
    }

    /// <summary>Binary COPY of the readings' rows (preceded by each one's position when <paramref name="numbered"/>).</summary>
    private static void Copy(NpgsqlConnection connection, string copyCommand, string customerId, IReadOnlyList<Reading> readings, long received, bool numbered)
    {
        using var copy = connection.BeginBinaryImport(copyCommand);
        for (var i = 0; i < readings.Count; i++)
        {
            var r = readings[i];
            copy.StartRow();
            if (numbered)
            {
                copy.Write(i, NpgsqlDbType.Integer);
            }

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

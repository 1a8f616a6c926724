using System.Text.Json;
using Dapper;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Domain.Readings;
using Vigil.Storage;
using Vigil.Storage.EventLog;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Readings;

/// <summary>
/// Stores readings and appends each new one to <c>readings.raw</c> in the same transaction. A reading's id is unique
/// per customer: the same id with the same content is an idempotent resend (counted, no effect); with other content
/// it is a conflict and the whole request is refused.
/// </summary>
public sealed partial class ReadingStore(IDatabase db, IEventLog log, ReadingIndexer? indexer = null)
{
    private const string InsertSql = """
        INSERT INTO readings (customer_id, id, patient_id, device_id, type, value, text, observed_at, received_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (customer_id, id) DO NOTHING
        """;

    private const string FindSql = $"SELECT {ReadingRow.Columns} FROM readings r WHERE customer_id = ?1 AND id = ?2";

    /// <summary>
    /// Encodes the log messages of a request's readings on the caller's thread, so the single writer thread only
    /// binds and inserts. <paramref name="receivedAt"/> is when the request arrived.
    /// </summary>
    public static PreparedReadings Prepare(string customerId, IReadOnlyList<Reading> readings, DateTimeOffset receivedAt, string? traceParent)
    {
        receivedAt = EventTime.Truncate(receivedAt);
        var messages = new LogMessage[readings.Count];
        for (var i = 0; i < readings.Count; i++)
        {
            messages[i] = RawMessage(customerId, readings[i], receivedAt, traceParent);
        }

        return new PreparedReadings(customerId, readings, receivedAt, messages);
    }

    /// <summary>Runs inside a write job. Throws <see cref="RejectedException"/> (nothing stored) for unknown patients or devices and id conflicts.</summary>
    public IngestResult Ingest(WriteContext ctx, PreparedReadings batch)
    {
        var (customerId, readings) = (batch.CustomerId, batch.Readings);
        ReferenceChecks.RequirePatientsAndDevices(ctx, customerId, readings, static r => r.PatientId, static r => r.DeviceId);

        var ids = new string[readings.Count];
        var firstIndex = new Dictionary<string, int>(readings.Count);
        var conflicts = new List<FieldError>();
        var duplicates = 0;
        var unique = new List<int>(readings.Count);
        for (var i = 0; i < readings.Count; i++)
        {
            var r = readings[i];
            ids[i] = r.Id;
            if (firstIndex.TryAdd(r.Id, i))
            {
                unique.Add(i);
            }
            else if (readings[firstIndex[r.Id]].SameContentAs(r))
            {
                // A resend inside the request itself.
                duplicates++;
            }
            else
            {
                conflicts.Add(new FieldError(i, "id", $"'{r.Id}' appears earlier in this request with different content"));
            }
        }

        var toStore = unique.Select(i => readings[i]).ToList();
        var existing = ctx.Dialect == SqlDialect.Postgres
            ? Postgres.PostgresReadings.InsertOrFind(ctx, customerId, toStore, batch.ReceivedAt)
            : InsertOrFind(ctx, customerId, toStore, batch.ReceivedAt);
        var inserted = new List<LogMessage>(readings.Count);
        var storedNow = new bool[readings.Count];
        for (var k = 0; k < unique.Count; k++)
        {
            var i = unique[k];
            if (existing[k] is not { } stored)
            {
                inserted.Add(batch.Messages[i]);
                storedNow[i] = true;
            }
            else if (stored.SameContentAs(readings[i]))
            {
                duplicates++;
            }
            else
            {
                conflicts.Add(new FieldError(i, "id", $"reading '{readings[i].Id}' already exists with different content"));
            }
        }

        if (conflicts.Count > 0)
        {
            // Thrown inside the job's savepoint: the rows inserted above are rolled back with it.
            throw new RejectedException(RejectionKind.Conflict,
                $"{conflicts.Count} reading id(s) are already used for different content; nothing was stored.", conflicts);
        }

        log.Append(ctx, inserted);
        // SQLite only: PostgreSQL indexes readings by patient as it inserts them (docs/postgres.md).
        if (inserted.Count > 0 && indexer is not null)
        {
            ctx.OnCommitted(() => indexer.Added(inserted.Count));
        }

        return new IngestResult(inserted.Count, duplicates, ids) { Stored = storedNow };
    }

    /// <summary>
    /// Inserts each reading whose id is new; for each, null when it was inserted, else the reading already stored
    /// under its id. One prepared statement per row: on SQLite that is the fastest way in (docs/benchmarks.md).
    /// </summary>
    private static IReadOnlyList<Reading?> InsertOrFind(WriteContext ctx, string customerId, IReadOnlyList<Reading> readings, DateTimeOffset receivedAt)
    {
        var insert = ctx.Statement("readings.insert", InsertSql);
        var received = EventTime.ToMicros(receivedAt);
        var existing = new Reading?[readings.Count];
        for (var i = 0; i < readings.Count; i++)
        {
            var r = readings[i];
            var changed = insert.Bind(1, customerId).Bind(2, r.Id).Bind(3, r.PatientId).Bind(4, r.DeviceId).Bind(5, r.Type.Name)
                .Bind(6, r.Value).Bind(7, r.Text).Bind(8, EventTime.ToMicros(r.ObservedAt)).Bind(9, received).Execute();
            existing[i] = changed == 1 ? null : Find(ctx, customerId, r.Id);
        }

        return existing;
    }

    private static Reading? Find(WriteContext ctx, string customerId, string id)
    {
        Reading? found = null;
        ctx.Statement("readings.find", FindSql)
            .Bind(1, customerId).Bind(2, id)
            .QueryFirst(row => found = new ReadingRow(
                row.Int64(0), row.Text(1)!, row.Text(2)!, row.Text(3), row.Text(4)!, row.IsNull(5) ? null : row.Double(5), row.Text(6),
                row.Int64(7), row.Int64(8)).ToReading());
        return found;
    }

    /// <summary>The <c>readings.raw</c> message of a stored reading.</summary>
    public static LogMessage RawMessage(string customerId, Reading r, DateTimeOffset receivedAt, string? traceParent)
    {
        var key = Keys.Patient(customerId, r.PatientId);
        var payload = Envelope.Encode(Identifiers.New(), "reading", key, r.ObservedAt, traceParent, (customerId, r, receivedAt), static (w, s) =>
        {
            var (customer, reading, received) = s;
            w.WriteStartObject();
            w.WriteString("id", reading.Id);
            w.WriteString("customerId", customer);
            w.WriteString("patientId", reading.PatientId);
            if (reading.DeviceId is not null)
            {
                w.WriteString("deviceId", reading.DeviceId);
            }

            w.WriteString("type", reading.Type.Name);
            WriteValue(w, reading);
            if (reading.Unit is not null)
            {
                w.WriteString("unit", reading.Unit);
            }

            w.WriteString("observedAt", reading.ObservedAt.UtcDateTime);
            w.WriteString("receivedAt", received.UtcDateTime);
            w.WriteEndObject();
        });
        return new LogMessage(Topics.ReadingsRaw, key, payload);
    }

    /// <summary>Writes "value" as the kind the type has: a number, "A".."U", or true/false.</summary>
    public static void WriteValue(Utf8JsonWriter w, Reading reading)
    {
        switch (reading.Type.Kind)
        {
            case ValueKind.Acvpu:
                w.WriteString("value", reading.Text);
                break;
            case ValueKind.Flag:
                w.WriteBoolean("value", reading.Value == 1);
                break;
            default:
                w.WriteNumber("value", reading.Value!.Value);
                break;
        }
    }

    /// <summary>A patient's readings in event-time order, at most <paramref name="limit"/>, after <paramref name="cursor"/>.</summary>
    public Task<(IReadOnlyList<StoredReading> Items, ReadingCursor? Next)> QueryAsync(
        string customerId, string patientId, VitalType? type, DateTimeOffset? from, DateTimeOffset? to, ReadingCursor? cursor, int limit,
        CancellationToken cancellationToken) =>
        QueryAsync(customerId, patientId, type is null ? null : [type], from, to, cursor, limit, newestFirst: false, cancellationToken);

    /// <summary>
    /// A patient's readings of any of <paramref name="types"/> (all types when null) in event-time order, oldest or
    /// newest first, at most <paramref name="limit"/>, after <paramref name="cursor"/>.
    /// </summary>
    public async Task<(IReadOnlyList<StoredReading> Items, ReadingCursor? Next)> QueryAsync(
        string customerId, string patientId, IReadOnlyCollection<VitalType>? types, DateTimeOffset? from, DateTimeOffset? to, ReadingCursor? cursor,
        int limit, bool newestFirst, CancellationToken cancellationToken)
    {
        if (types is { Count: 0 })
        {
            return ([], null);
        }

        var (order, after) = newestFirst
            ? ("DESC", "(observed_at < @afterTime OR (observed_at = @afterTime AND seq < @afterSeq))")
            : ("", "(observed_at > @afterTime OR (observed_at = @afterTime AND seq > @afterSeq))");
        // One named parameter per type (at most the dozen vital types): the same SQL on SQLite and PostgreSQL.
        var typeNames = types?.Select(t => t.Name).ToArray() ?? [];
        var typeFilter = types is null ? "" : $"AND type IN ({string.Join(", ", typeNames.Select((_, i) => $"@type{i}"))})";
        var parameters = new DynamicParameters(new
        {
            customerId, patientId,
            from = EventTime.FromBound(from),
            to = EventTime.ToBound(to),
            afterTime = cursor?.ObservedAt ?? (newestFirst ? long.MaxValue : long.MinValue),
            afterSeq = cursor?.Seq ?? (newestFirst ? long.MaxValue : long.MinValue),
            take = limit + 1,
        });
        for (var i = 0; i < typeNames.Length; i++)
        {
            parameters.Add($"type{i}", typeNames[i]);
        }

        await using var c = db.Open();
        var rows = (await c.QueryAsync<ReadingRow>(new CommandDefinition(
            $"""
            WITH hits AS (
                SELECT * FROM (
                    SELECT seq, observed_at FROM readings_by_patient
                    WHERE customer_id = @customerId AND patient_id = @patientId {typeFilter}
                      AND observed_at >= @from AND observed_at < @to
                      AND {after}
                    ORDER BY observed_at {order}, seq {order} LIMIT @take) AS indexed
                UNION ALL
                SELECT * FROM (
                    SELECT seq, observed_at FROM readings
                    WHERE seq > (SELECT indexed_upto FROM readings_index_state WHERE id = 1)
                      AND customer_id = @customerId AND patient_id = @patientId {typeFilter}
                      AND observed_at >= @from AND observed_at < @to
                      AND {after}
                    ORDER BY observed_at {order}, seq {order} LIMIT @take) AS tail)
            SELECT {ReadingRow.Columns} FROM hits h JOIN readings r ON r.seq = h.seq
            ORDER BY h.observed_at {order}, h.seq {order}
            LIMIT @take
            """,
            parameters,
            cancellationToken: cancellationToken))).ToList();
        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var items = rows.Select(r => new StoredReading(r.ToReading(), EventTime.FromMicros(r.ReceivedAt))).ToList();
        return (items, more ? new ReadingCursor(rows[^1].ObservedAt, rows[^1].Seq) : null);
    }


    /// <summary>One reading of the customer by id, or null.</summary>
    public async Task<StoredReading?> GetAsync(string customerId, string id, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<ReadingRow>(new CommandDefinition(
            $"SELECT {ReadingRow.Columns} FROM readings r WHERE r.customer_id = @customerId AND r.id = @id", new { customerId, id },
            cancellationToken: cancellationToken));
        return row is null ? null : new StoredReading(row.ToReading(), EventTime.FromMicros(row.ReceivedAt));
    }

    private sealed record ReadingRow(long Seq, string Id, string PatientId, string? DeviceId, string Type, double? Value, string? Text, long ObservedAt, long ReceivedAt)
    {
        public const string Columns = "r.seq, r.id, r.patient_id, r.device_id, r.type, r.value, r.text, r.observed_at, r.received_at";

        public Reading ToReading()
        {
            VitalTypes.TryGetByName(Type, out var type);
            return new Reading(Id, PatientId, DeviceId, type, Value, Text, EventTime.FromMicros(ObservedAt));
        }
    }
}

/// <summary>A request's validated readings with their <c>readings.raw</c> messages already encoded.</summary>
public sealed record PreparedReadings(string CustomerId, IReadOnlyList<Reading> Readings, DateTimeOffset ReceivedAt, IReadOnlyList<LogMessage> Messages);

/// <summary>A stored reading and when Vigil received it.</summary>
public sealed record StoredReading(Reading Reading, DateTimeOffset ReceivedAt);

/// <summary>Where a page of readings ended: event time (µs) and sequence of the last item.</summary>
public sealed record ReadingCursor(long ObservedAt, long Seq)
{
    public override string ToString() => $"{ObservedAt}.{Seq}";

    public static ReadingCursor? Parse(string? text)
    {
        var parts = text?.Split('.');
        return parts is [var t, var s] && long.TryParse(t, out var time) && long.TryParse(s, out var seq) ? new ReadingCursor(time, seq) : null;
    }
}

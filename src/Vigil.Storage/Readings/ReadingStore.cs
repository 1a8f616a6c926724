using System.Text.Json;
using Dapper;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Domain.Readings;
using Vigil.Storage.EventLog;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Readings;

/// <summary>
/// Stores readings and appends each new one to <c>readings.raw</c> in the same transaction. A reading's id is unique
/// per customer: the same id with the same content is an idempotent resend (counted, no effect); with other content
/// it is a conflict and the whole request is refused.
/// </summary>
public sealed class ReadingStore(SqliteDatabase db, IEventLog log)
{
    private static readonly MultiRowInsert<(string CustomerId, Reading Reading, long ReceivedAt)> Insert = new(
        "readings", ["customer_id", "id", "patient_id", "device_id", "type", "value", "text", "observed_at", "received_at"],
        static (row, v) =>
        {
            var r = row.Reading;
            v[0] = row.CustomerId;
            v[1] = r.Id;
            v[2] = r.PatientId;
            v[3] = r.DeviceId;
            v[4] = r.Type.Name;
            v[5] = r.Value;
            v[6] = r.Text;
            v[7] = EventTime.ToMicros(r.ObservedAt);
            v[8] = row.ReceivedAt;
        },
        " ON CONFLICT (customer_id, id) DO NOTHING");

    /// <summary>Runs inside a write job. Throws <see cref="RejectedException"/> (nothing stored) for unknown patients or devices and id conflicts.</summary>
    public IngestResult Ingest(WriteContext ctx, string customerId, IReadOnlyList<Reading> readings, string? traceParent = null)
    {
        ReferenceChecks.RequirePatientsAndDevices(ctx, customerId, readings, static r => r.PatientId, static r => r.DeviceId);

        // Resends inside the request itself.
        var ids = new string[readings.Count];
        var firstIndex = new Dictionary<string, int>(readings.Count);
        var candidates = new List<int>(readings.Count);
        var conflicts = new List<FieldError>();
        var duplicates = 0;
        for (var i = 0; i < readings.Count; i++)
        {
            ids[i] = readings[i].Id;
            if (firstIndex.TryAdd(readings[i].Id, i))
            {
                candidates.Add(i);
            }
            else if (readings[firstIndex[readings[i].Id]].SameContentAs(readings[i]))
            {
                duplicates++;
            }
            else
            {
                conflicts.Add(new FieldError(i, "id", $"'{readings[i].Id}' appears earlier in this request with different content"));
            }
        }

        ThrowIfConflicts(conflicts);

        var receivedAt = EventTime.ToMicros(ctx.Now);
        var rows = candidates.Select(i => (customerId, readings[i], receivedAt)).ToList();
        Execute(ctx, "SAVEPOINT ingest");
        if (Insert.Execute(ctx, rows) == rows.Count)
        {
            Execute(ctx, "RELEASE SAVEPOINT ingest");
        }
        else
        {
            // Some ids exist already: undo, sort resends from conflicts, insert only the new ones.
            Execute(ctx, "ROLLBACK TO SAVEPOINT ingest");
            Execute(ctx, "RELEASE SAVEPOINT ingest");
            rows.Clear();
            foreach (var i in candidates)
            {
                var existing = Find(ctx, customerId, readings[i].Id);
                if (existing is null)
                {
                    rows.Add((customerId, readings[i], receivedAt));
                }
                else if (existing.SameContentAs(readings[i]))
                {
                    duplicates++;
                }
                else
                {
                    conflicts.Add(new FieldError(i, "id", $"reading '{readings[i].Id}' already exists with different content"));
                }
            }

            ThrowIfConflicts(conflicts);
            Insert.Execute(ctx, rows);
        }

        var messages = new LogMessage[rows.Count];
        for (var i = 0; i < rows.Count; i++)
        {
            messages[i] = RawMessage(customerId, rows[i].Item2, ctx.Now, traceParent);
        }

        log.Append(ctx, messages);
        return new IngestResult(rows.Count, duplicates, ids);
    }

    private static void ThrowIfConflicts(List<FieldError> conflicts)
    {
        if (conflicts.Count > 0)
        {
            throw new RejectedException(RejectionKind.Conflict,
                $"{conflicts.Count} reading id(s) are already used for different content; nothing was stored.", conflicts);
        }
    }

    private static void Execute(WriteContext ctx, string sql) => ctx.Prepared(sql, c =>
    {
        var command = c.CreateCommand();
        command.CommandText = sql;
        return command;
    }).ExecuteNonQuery();

    private static Reading? Find(WriteContext ctx, string customerId, string id)
    {
        var row = ctx.Connection.QuerySingleOrDefault<ReadingRow>(
            $"SELECT {ReadingRow.Columns} FROM readings WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction);
        return row?.ToReading();
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
    public async Task<(IReadOnlyList<StoredReading> Items, ReadingCursor? Next)> QueryAsync(
        string customerId, string patientId, VitalType? type, DateTimeOffset? from, DateTimeOffset? to, ReadingCursor? cursor, int limit,
        CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = (await c.QueryAsync<ReadingRow>(new CommandDefinition(
            $"""
            SELECT {ReadingRow.Columns} FROM readings
            WHERE customer_id = @customerId AND patient_id = @patientId
              AND (@type IS NULL OR type = @type)
              AND observed_at >= @from AND observed_at < @to
              AND (observed_at > @afterTime OR (observed_at = @afterTime AND seq > @afterSeq))
            ORDER BY observed_at, seq
            LIMIT @take
            """,
            new
            {
                customerId, patientId, type = type?.Name,
                from = from is { } f ? EventTime.ToMicros(f) : long.MinValue,
                to = to is { } t ? EventTime.ToMicros(t) : long.MaxValue,
                afterTime = cursor?.ObservedAt ?? long.MinValue,
                afterSeq = cursor?.Seq ?? long.MinValue,
                take = limit + 1,
            },
            cancellationToken: cancellationToken))).ToList();
        var more = rows.Count > limit;
        if (more)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var items = rows.Select(r => new StoredReading(r.ToReading(), EventTime.FromMicros(r.ReceivedAt))).ToList();
        return (items, more ? new ReadingCursor(rows[^1].ObservedAt, rows[^1].Seq) : null);
    }

    /// <summary>Counts a customer's stored readings (tests and benchmarks check totals with it).</summary>
    public async Task<long> CountAsync(string customerId)
    {
        await using var c = db.Open();
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM readings WHERE customer_id = @customerId", new { customerId });
    }

    private sealed record ReadingRow(long Seq, string Id, string PatientId, string? DeviceId, string Type, double? Value, string? Text, long ObservedAt, long ReceivedAt)
    {
        public const string Columns = "seq, id, patient_id, device_id, type, value, text, observed_at, received_at";

        public Reading ToReading()
        {
            VitalTypes.TryGetByName(Type, out var type);
            return new Reading(Id, PatientId, DeviceId, type, Value, Text, EventTime.FromMicros(ObservedAt));
        }
    }
}

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

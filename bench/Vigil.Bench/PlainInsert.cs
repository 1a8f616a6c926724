using System.Data.Common;
using System.Diagnostics;
using System.Text;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Domain.Readings;
using Vigil.Storage.Migrations;
using Vigil.Storage.Readings;
using Vigil.Storage.Sqlite;

namespace Vigil.Bench;

/// <summary>
/// The baseline: the same readings rows inserted straight into SQLite with the product's settings and schema
/// (<see cref="SqliteDatabase.Open"/>: WAL, synchronous=FULL, ...; the embedded migrations: readings with its unique
/// (customer_id, id) index and the patient/time index), one transaction per batch, multi-row INSERT statements
/// prepared once. One writer, as SQLite allows one.
/// With <c>--rows vigil</c> (rather than <c>reading</c>, the default) it writes, for each reading, every row embedded Vigil stores for it rather than the reading
/// alone: the reading, its <c>readings.raw</c> log message and its <c>readings.enriched</c> log message (the same bytes
/// as Vigil's messages, partitioned as Vigil partitions them), and its <c>readings_by_patient</c> entry (20,000 at a
/// time, sorted, as <see cref="ReadingIndexer"/> writes them). That is what this storage design writes, with no HTTP,
/// no validation and no processing.
/// </summary>
public static class PlainInsert
{
    private static readonly string[] Columns = ["customer_id", "id", "patient_id", "device_id", "type", "value", "text", "observed_at", "received_at"];

    public static int Run(Options options)
    {
        var dataDir = options.Get("data-dir");
        var seconds = options.Double("seconds", 20);
        var warmup = options.Double("warmup", 5);
        var batch = options.Int("batch", 1000);
        // 1 (the default) is the fastest plain insert: one prepared statement bound by position through SQLite's own
        // API, as the product's ingest does. More than 1 uses ADO.NET multi-row statements with named parameters.
        var perStatement = Math.Min(options.Int("rows-per-statement", 1), batch);
        var patients = options.Int("patients", 200);
        var vigilRows = options.Get("rows", "reading") switch
        {
            "reading" => false,
            "vigil" => true,
            var other => throw new BenchException($"--rows is 'reading' or 'vigil', not '{other}'"),
        };
        if (vigilRows && perStatement != 1)
        {
            throw new BenchException("--rows vigil writes one row per statement (--rows-per-statement 1)");
        }
        if (batch % perStatement != 0)
        {
            throw new BenchException("--batch must be a multiple of --rows-per-statement");
        }

        var db = new SqliteDatabase(dataDir);
        using var connection = db.OpenWriter();
        Migrator.Migrate(connection, Migration.Embedded("sqlite"));
        using var pragma = connection.CreateCommand();
        pragma.CommandText = "PRAGMA journal_mode; PRAGMA synchronous;";
        string journal, synchronous;
        using (var r = pragma.ExecuteReader())
        {
            r.Read();
            journal = r.GetString(0);
            r.NextResult();
            r.Read();
            synchronous = r.GetInt64(0) switch { 2 => "FULL", 1 => "NORMAL", 0 => "OFF", var x => x.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        }

        if (journal != "wal" || synchronous != "FULL")
        {
            throw new BenchException($"expected WAL + synchronous=FULL, got {journal} + {synchronous}");
        }

        using var insert = Create(connection, perStatement);
        using var native = new SqliteStatement(connection,
            $"INSERT INTO readings ({string.Join(", ", Columns)}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
        using var log = new SqliteStatement(connection, "INSERT INTO log (topic, partition, key, payload, appended_at) VALUES (?1, ?2, ?3, ?4, ?5)");
        // As ReadingIndexer does: once 20,000 readings wait, one statement indexes them sorted by patient and time.
        using var index = new SqliteStatement(connection, """
            INSERT INTO readings_by_patient (customer_id, patient_id, observed_at, seq, type)
            SELECT customer_id, patient_id, observed_at, seq, type FROM readings
            WHERE seq > (SELECT indexed_upto FROM readings_index_state WHERE id = 1)
            ORDER BY customer_id, patient_id, observed_at, seq
            """);
        using var indexed = new SqliteStatement(connection, "UPDATE readings_index_state SET indexed_upto = (SELECT MAX(seq) FROM readings) WHERE id = 1");
        var waiting = 0;
        var random = new Random(42);
        var tag = "s" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
        var now = DateTimeOffset.UtcNow;
        var patientIds = Enumerable.Range(0, patients).Select(ReadingBatch.PatientId).ToArray();

        long sequence = 0, measuredRows = 0, measuredBatches = 0;
        var batchMs = new List<double>();
        var commitMs = new List<double>();
        double commitStarted = 0;
        var clock = Stopwatch.StartNew();
        var end = warmup + seconds;
        double measureStart = -1, measureEnd = 0;
        while (true)
        {
            var started = clock.Elapsed.TotalSeconds;
            if (started >= end)
            {
                break;
            }

            var receivedAt = ToMicros(DateTimeOffset.UtcNow);
            using (var transaction = connection.BeginTransaction())
            {
                insert.Transaction = transaction;
                for (var s = 0; perStatement == 1 && s < batch; s++)
                {
                    var (id, patientId, value, observedAt) = ($"{tag}-{sequence++:D12}", patientIds[random.Next(patients)], (double)random.Next(60, 101),
                        ToMicros(ReadingBatch.ObservedAt(now, random)));
                    native.Bind(1, "bench").Bind(2, id).Bind(3, patientId).Bind(4, (string?)null)
                        .Bind(5, "heart_rate").Bind(6, value).Bind(7, (string?)null)
                        .Bind(8, observedAt).Bind(9, receivedAt);
                    if (native.Execute() != 1)
                    {
                        throw new BenchException("an INSERT did not insert its row");
                    }

                    if (vigilRows)
                    {
                        WriteVigilRows(log, new Reading(id, patientId, null, VitalTypes.HeartRate, value, null,
                            EventTime.FromMicros(observedAt)), receivedAt);
                    }
                }

                for (var s = 0; perStatement > 1 && s < batch / perStatement; s++)
                {
                    var parameters = insert.Parameters;
                    for (var i = 0; i < perStatement; i++)
                    {
                        var p = i * Columns.Length;
                        parameters[p].Value = "bench";
                        parameters[p + 1].Value = $"{tag}-{sequence++:D12}";
                        parameters[p + 2].Value = patientIds[random.Next(patients)];
                        parameters[p + 3].Value = DBNull.Value;
                        parameters[p + 4].Value = "heart_rate";
                        parameters[p + 5].Value = (double)random.Next(60, 101);
                        parameters[p + 6].Value = DBNull.Value;
                        parameters[p + 7].Value = ToMicros(ReadingBatch.ObservedAt(now, random));
                        parameters[p + 8].Value = receivedAt;
                    }

                    if (insert.ExecuteNonQuery() != perStatement)
                    {
                        throw new BenchException("an INSERT did not insert every row");
                    }
                }

                if (vigilRows && (waiting += batch) >= ReadingIndexer.DefaultBatchSize)
                {
                    index.Execute();
                    indexed.Execute();
                    waiting = 0;
                }

                commitStarted = clock.Elapsed.TotalSeconds;
                transaction.Commit();
            }

            var finished = clock.Elapsed.TotalSeconds;
            if (started >= warmup)
            {
                if (measureStart < 0)
                {
                    measureStart = started;
                }

                measureEnd = finished;
                measuredRows += batch;
                measuredBatches++;
                batchMs.Add((finished - started) * 1000);
                commitMs.Add((finished - commitStarted) * 1000);
            }
        }

        if (measuredBatches == 0)
        {
            throw new BenchException("no batch completed in the measured window");
        }

        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM readings";
        var stored = (long)count.ExecuteScalar()!;
        if (stored != sequence)
        {
            throw new BenchException($"inserted {sequence} rows but the table holds {stored}");
        }

        batchMs.Sort();
        commitMs.Sort();
        var elapsed = measureEnd - measureStart;
        Report.Line("sqlite",
            ("rows", measuredRows), ("batches", measuredBatches), ("seconds", elapsed), ("rows_per_s", measuredRows / elapsed),
            ("batch", batch), ("rows_per_statement", perStatement), ("batch_p50_ms", Percentiles.Of(batchMs, 50)),
            ("batch_p99_ms", Percentiles.Of(batchMs, 99)), ("commit_p50_ms", Percentiles.Of(commitMs, 50)), ("journal", journal), ("synchronous", synchronous),
            ("sqlite_version", connection.ServerVersion), ("total_rows", stored), ("vigil_rows", vigilRows ? 1 : 0));
        return 0;
    }

    /// <summary>
    /// The log messages Vigil writes for a reading: its raw message as <see cref="ReadingStore.RawMessage"/> encodes it,
    /// and its enriched message as the enricher extends it (patient, department, customer).
    /// </summary>
    private static void WriteVigilRows(SqliteStatement log, Reading r, long receivedAt)
    {
        const string customerId = "bench";
        var patientId = r.PatientId;
        var raw = ReadingStore.RawMessage(customerId, r, EventTime.FromMicros(receivedAt), null);
        var partition = KeyPartitioner.PartitionFor(raw.Key, 12);
        log.Bind(1, raw.Topic).Bind(2, partition).Bind(3, raw.Key).Bind(4, raw.Payload).Bind(5, receivedAt).Execute();
        // "...}}" -> "...,<reference>}}": the enricher adds the reference objects at the end of the raw body.
        var reference = Encoding.UTF8.GetBytes(
            $",\"patient\":{{\"id\":\"{patientId}\",\"mrn\":null,\"name\":\"Bench patient {patientId}\",\"spo2Scale\":1,\"status\":\"active\"}}," +
            $"\"department\":{{\"id\":null,\"name\":null}},\"customer\":{{\"id\":\"{customerId}\",\"name\":\"Benchmark customer\"}}");
        var enriched = new byte[raw.Payload.Length + reference.Length];
        raw.Payload.AsSpan(0, raw.Payload.Length - 2).CopyTo(enriched);
        reference.CopyTo(enriched.AsSpan(raw.Payload.Length - 2));
        "}}"u8.CopyTo(enriched.AsSpan(enriched.Length - 2));
        log.Bind(1, Topics.ReadingsEnriched).Bind(2, partition).Bind(3, raw.Key).Bind(4, enriched).Bind(5, receivedAt).Execute();
    }

    private static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    private static DbCommand Create(DbConnection connection, int rows)
    {
        var sql = new StringBuilder($"INSERT INTO readings ({string.Join(", ", Columns)}) VALUES ");
        var command = connection.CreateCommand();
        for (var i = 0; i < rows; i++)
        {
            sql.Append(i == 0 ? "(" : ", (");
            for (var c = 0; c < Columns.Length; c++)
            {
                var name = $"@p{(i * Columns.Length) + c}";
                sql.Append(c == 0 ? name : ", " + name);
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }

            sql.Append(')');
        }

        command.CommandText = sql.ToString();
        command.Prepare();
        return command;
    }
}

using System.Data.Common;
using System.Diagnostics;
using System.Text;
using Vigil.Storage.Migrations;
using Vigil.Storage.Sqlite;

namespace Vigil.Bench;

/// <summary>
/// The baseline: the same readings rows inserted straight into SQLite with the product's settings and schema
/// (<see cref="SqliteDatabase.Open"/>: WAL, synchronous=FULL, ...; the embedded migrations: readings with its unique
/// (customer_id, id) index and the patient/time index), one transaction per batch, multi-row INSERT statements
/// prepared once. One writer, as SQLite allows one.
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
                    native.Bind(1, "bench").Bind(2, $"{tag}-{sequence++:D12}").Bind(3, patientIds[random.Next(patients)]).Bind(4, (string?)null)
                        .Bind(5, "heart_rate").Bind(6, (double)random.Next(60, 101)).Bind(7, (string?)null)
                        .Bind(8, ToMicros(ReadingBatch.ObservedAt(now, random))).Bind(9, receivedAt);
                    if (native.Execute() != 1)
                    {
                        throw new BenchException("an INSERT did not insert its row");
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
            ("sqlite_version", connection.ServerVersion), ("total_rows", stored));
        return 0;
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

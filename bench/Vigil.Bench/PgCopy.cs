using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;
using Vigil.Storage.Postgres;

namespace Vigil.Bench;

/// <summary>
/// The distributed mode's reference: the same readings rows as the HTTP load, written by a plain binary COPY
/// (<see cref="NpgsqlConnection.BeginBinaryImport"/>) straight into <c>readings</c> of a fresh database migrated with
/// Vigil's own PostgreSQL schema (<see cref="PostgresDatabase.Migrate(string)"/>: the unique (customer_id, id) index and
/// the patient/time index), <c>--batch</c> rows per COPY, each COPY its own transaction, one connection. The database
/// is created for the run and dropped afterwards.
/// </summary>
public static class PgCopy
{
    public static int Run(Options options)
    {
        var server = options.Get("connection-string");
        var seconds = options.Double("seconds", 20);
        var warmup = options.Double("warmup", 5);
        var batch = options.Int("batch", 1000);
        var patients = options.Int("patients", 200);
        var database = PgDatabase.Create(server, "vigil_bench_copy");
        try
        {
            var connectionString = PgDatabase.ConnectionString(server, database);
            PostgresDatabase.Migrate(connectionString);
            return Copy(connectionString, seconds, warmup, batch, patients);
        }
        finally
        {
            PgDatabase.Drop(server, database);
        }
    }

    private static int Copy(string connectionString, double seconds, double warmup, int batch, int patients)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        var random = new Random(42);
        var tag = "c" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
        var now = DateTimeOffset.UtcNow;
        var patientIds = Enumerable.Range(0, patients).Select(ReadingBatch.PatientId).ToArray();

        long sequence = 0, measuredRows = 0, measuredBatches = 0;
        var batchMs = new List<double>();
        var commitMs = new List<double>();
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

            var receivedAt = ProcessingProbe.ToMicros(DateTimeOffset.UtcNow);
            double commitStarted;
            using (var transaction = connection.BeginTransaction())
            {
                using (var copy = connection.BeginBinaryImport(
                    "COPY readings (customer_id, id, patient_id, device_id, type, value, text, observed_at, received_at) FROM STDIN (FORMAT BINARY)"))
                {
                    for (var i = 0; i < batch; i++)
                    {
                        copy.StartRow();
                        copy.Write("bench", NpgsqlDbType.Text);
                        copy.Write($"{tag}-{sequence++:D12}", NpgsqlDbType.Text);
                        copy.Write(patientIds[random.Next(patients)], NpgsqlDbType.Text);
                        copy.WriteNull();
                        copy.Write("heart_rate", NpgsqlDbType.Text);
                        copy.Write((double)random.Next(60, 101), NpgsqlDbType.Double);
                        copy.WriteNull();
                        copy.Write(ProcessingProbe.ToMicros(ReadingBatch.ObservedAt(now, random)), NpgsqlDbType.Bigint);
                        copy.Write(receivedAt, NpgsqlDbType.Bigint);
                    }

                    if (copy.Complete() != (ulong)batch)
                    {
                        throw new BenchException("a COPY did not write every row");
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

        using var count = new NpgsqlCommand("SELECT COUNT(*) FROM readings", connection);
        var stored = (long)count.ExecuteScalar()!;
        if (stored != sequence)
        {
            throw new BenchException($"copied {sequence} rows but the table holds {stored}");
        }

        using var settings = new NpgsqlCommand("SELECT current_setting('synchronous_commit'), current_setting('fsync')", connection);
        string synchronousCommit, fsync;
        using (var r = settings.ExecuteReader())
        {
            r.Read();
            synchronousCommit = r.GetString(0);
            fsync = r.GetString(1);
        }

        batchMs.Sort();
        commitMs.Sort();
        var elapsed = measureEnd - measureStart;
        Report.Line("pg-copy",
            ("rows", measuredRows), ("batches", measuredBatches), ("seconds", elapsed), ("rows_per_s", measuredRows / elapsed),
            ("batch", batch), ("batch_p50_ms", Percentiles.Of(batchMs, 50)), ("batch_p99_ms", Percentiles.Of(batchMs, 99)),
            ("commit_p50_ms", Percentiles.Of(commitMs, 50)), ("synchronous_commit", synchronousCommit), ("fsync", fsync),
            ("postgres_version", connection.PostgreSqlVersion), ("total_rows", stored));
        return 0;
    }
}

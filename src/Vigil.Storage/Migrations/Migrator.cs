using System.Data.Common;
using System.Diagnostics;
using Dapper;
using Npgsql;

namespace Vigil.Storage.Migrations;

/// <summary>
/// Flyway's model: migrations are applied in version order, each in its own transaction, and recorded with their
/// checksum in <c>schema_history</c>. An applied migration whose script has since changed is refused, as is a
/// database that has migrations this build does not know (it was written by a newer Vigil). On PostgreSQL the run
/// holds an advisory lock, so two processes migrating the same database at once apply each migration once: the second
/// waits, then finds the first one's history.
/// </summary>
public static class Migrator
{
    public sealed record Applied(int Version, string Description, long ExecutionMs);

    private sealed record HistoryRow(long Version, string Description, string Checksum);

    /// <summary>Key of the session advisory lock a PostgreSQL migration run holds (any fixed number; "vigil-mg").</summary>
    internal const long PostgresLockKey = 0x7669_6769_6c2d_6d67;

    public static IReadOnlyList<Applied> Migrate(DbConnection connection, IReadOnlyList<Migration> migrations, TimeProvider? clock = null)
    {
        if (connection is not NpgsqlConnection postgres)
        {
            return MigrateLocked(connection, migrations, clock ?? TimeProvider.System, bigIntHistory: false);
        }

        // A session lock rather than pg_advisory_xact_lock: it must cover reading the history and every migration's
        // own transaction. It also covers CREATE TABLE IF NOT EXISTS, which two sessions can race on.
        postgres.Execute("SELECT pg_advisory_lock(@key)", new { key = PostgresLockKey });
        try
        {
            return MigrateLocked(connection, migrations, clock ?? TimeProvider.System, bigIntHistory: true);
        }
        finally
        {
            // A broken connection has lost its session and with it the lock; there is nothing to release.
            if (postgres.FullState == System.Data.ConnectionState.Open)
            {
                postgres.Execute("SELECT pg_advisory_unlock(@key)", new { key = PostgresLockKey });
            }
        }
    }

    private static IReadOnlyList<Applied> MigrateLocked(DbConnection connection, IReadOnlyList<Migration> migrations, TimeProvider clock, bool bigIntHistory)
    {
        // The same table on both. PostgreSQL's INTEGER is 32-bit where SQLite's is 64-bit, hence BIGINT there: the
        // history is read into longs.
        var integer = bigIntHistory ? "BIGINT" : "INTEGER";
        connection.Execute($"""
            CREATE TABLE IF NOT EXISTS schema_history (
                version {integer} PRIMARY KEY,
                description TEXT NOT NULL,
                checksum TEXT NOT NULL,
                applied_at TEXT NOT NULL,
                execution_ms {integer} NOT NULL
            )
            """);

        var history = connection.Query<HistoryRow>("SELECT version, description, checksum FROM schema_history ORDER BY version")
            .ToDictionary(r => (int)r.Version);
        var known = migrations.ToDictionary(m => m.Version);

        foreach (var row in history.Values)
        {
            if (!known.TryGetValue((int)row.Version, out var migration))
            {
                throw new MigrationException(
                    $"The database has migration V{row.Version} ({row.Description}), which this Vigil does not know: it was migrated by a newer version.");
            }

            if (migration.Checksum != row.Checksum)
            {
                throw new MigrationException(
                    $"Migration V{row.Version} ({row.Description}) was changed after it was applied: recorded checksum {row.Checksum}, script checksum {migration.Checksum}. Applied migrations must never be edited; add a new migration instead.");
            }
        }

        // As Flyway (outOfOrder=false): a script older than one already applied was written after the database moved
        // on, and running it now could see a schema it was not written for.
        var newest = history.Count == 0 ? 0 : history.Keys.Max();
        if (migrations.FirstOrDefault(m => !history.ContainsKey(m.Version) && m.Version < newest) is { } late)
        {
            throw new MigrationException(
                $"Migration V{late.Version} ({late.Description}) is older than V{newest}, which is already applied. Renumber it after V{newest}.");
        }

        var applied = new List<Applied>();
        foreach (var migration in migrations.Where(m => !history.ContainsKey(m.Version)))
        {
            var watch = Stopwatch.StartNew();
            using var tx = connection.BeginTransaction();
            try
            {
                connection.Execute(migration.Sql, transaction: tx);
                connection.Execute(
                    "INSERT INTO schema_history (version, description, checksum, applied_at, execution_ms) VALUES (@v, @d, @c, @at, @ms)",
                    new { v = migration.Version, d = migration.Description, c = migration.Checksum, at = clock.GetUtcNow().ToString("O"), ms = watch.ElapsedMilliseconds },
                    tx);
                tx.Commit();
            }
            catch (DbException e)
            {
                throw new MigrationException($"Migration V{migration.Version} ({migration.Description}) failed and was rolled back: {e.Message}");
            }

            applied.Add(new Applied(migration.Version, migration.Description, watch.ElapsedMilliseconds));
        }

        return applied;
    }
}

using Dapper;
using Npgsql;
using Vigil.Storage.Migrations;
using Vigil.Storage.Postgres;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Tests.Distributed;

namespace Vigil.Storage.Tests.Postgres;

/// <summary>The migrator on the real test PostgreSQL: the same history, checksums and refusals as on SQLite.</summary>
public sealed class PostgresMigratorTests(PostgresServer server) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private PostgresTestDatabase _db = null!;

    private string Scripts => _dir.Combine("scripts");

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(Scripts);
        _db = await PostgresTestDatabase.CreateAsync(server);
    }

    public async ValueTask DisposeAsync()
    {
        await _db.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public void Every_embedded_migration_applies_to_an_empty_database_and_is_recorded_with_its_checksum()
    {
        var migrations = Migration.Embedded(PostgresDatabase.DialectName);

        var applied = PostgresDatabase.Migrate(_db.ConnectionString);

        applied.Select(a => a.Version).ShouldBe(migrations.Select(m => m.Version));
        using var connection = _db.Open();
        var history = History(connection);
        history.Select(h => (int)h.Version).ShouldBe(migrations.Select(m => m.Version));
        history.Select(h => h.Checksum).ShouldBe(migrations.Select(m => m.Checksum));
        Tables(connection).ShouldContain("outbox");
        Tables(connection).ShouldContain("consumer_offsets");
        Tables(connection).ShouldNotContain("log");
    }

    [Fact]
    public void The_postgres_and_sqlite_histories_line_up_version_for_version()
    {
        var postgres = Migration.Embedded(PostgresDatabase.DialectName);
        var sqlite = Migration.Embedded("sqlite");

        postgres.Select(m => (m.Version, m.Description)).ShouldBe(sqlite.Select(m => (m.Version, m.Description)));
    }

    [Fact]
    public void Migrating_again_applies_nothing()
    {
        PostgresDatabase.Migrate(_db.ConnectionString);
        using var connection = _db.Open();
        var before = History(connection);

        PostgresDatabase.Migrate(_db.ConnectionString).ShouldBeEmpty();

        History(connection).ShouldBe(before);
    }

    [Fact]
    public void History_records_the_time_of_the_injected_clock()
    {
        var at = new DateTimeOffset(2024, 2, 29, 12, 34, 56, TimeSpan.Zero);
        WriteScript("V001__a.sql", "CREATE TABLE a (id BIGINT);");
        using var connection = _db.Open();

        Migrator.Migrate(connection, Migration.FromDirectory(Scripts), new FixedClock(at));

        var recorded = connection.ExecuteScalar<string>("SELECT applied_at FROM schema_history WHERE version = 1");
        DateTimeOffset.Parse(recorded!, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(at);
    }

    public static TheoryData<string> Refusals => ["changed", "newer", "out of order"];

    [Theory]
    [MemberData(nameof(Refusals))]
    public void A_history_that_does_not_match_the_scripts_is_refused_with_the_same_message_as_on_sqlite(string refusal)
    {
        using var sqliteDir = new TempDirectory();
        var sqlite = new SqliteDatabase(sqliteDir.Combine("data"));
        using var sqliteConnection = sqlite.Open();
        using var connection = _db.Open();
        WriteScript("V001__a.sql", "CREATE TABLE a (id BIGINT);");
        WriteScript("V003__c.sql", "CREATE TABLE c (id BIGINT);");
        Migrator.Migrate(sqliteConnection, Migration.FromDirectory(Scripts));
        Migrator.Migrate(connection, Migration.FromDirectory(Scripts));
        switch (refusal)
        {
            case "changed":
                WriteScript("V001__a.sql", "CREATE TABLE a (id BIGINT, extra TEXT);");
                break;
            case "newer":
                File.Delete(Path.Combine(Scripts, "V003__c.sql"));
                break;
            default:
                WriteScript("V002__b.sql", "CREATE TABLE b (id BIGINT);");
                break;
        }

        var onSqlite = Should.Throw<MigrationException>(() => Migrator.Migrate(sqliteConnection, Migration.FromDirectory(Scripts)));
        var onPostgres = Should.Throw<MigrationException>(() => Migrator.Migrate(connection, Migration.FromDirectory(Scripts)));

        onPostgres.Message.ShouldBe(onSqlite.Message);
        History(connection).Select(h => h.Version).ShouldBe([1L, 3L]);
        Tables(connection).ShouldNotContain("b");
    }

    [Fact]
    public void A_failing_migration_is_rolled_back_with_its_ddl_and_the_ones_before_it_stay()
    {
        WriteScript("V001__a.sql", "CREATE TABLE a (id BIGINT);");
        WriteScript("V002__b.sql", "CREATE TABLE b (id BIGINT);\nINSERT INTO b VALUES (1);\nTHIS IS NOT SQL;");
        WriteScript("V003__c.sql", "CREATE TABLE c (id BIGINT);");
        using var connection = _db.Open();

        var error = Should.Throw<MigrationException>(() => Migrator.Migrate(connection, Migration.FromDirectory(Scripts)));

        error.Message.ShouldContain("V2 (b) failed and was rolled back");
        Tables(connection).ShouldBe(["a", "schema_history"], ignoreOrder: true);
        History(connection).Select(h => h.Version).ShouldBe([1L]);

        // The lock went with the failed run: a fixed script applies on the next one.
        WriteScript("V002__b.sql", "CREATE TABLE b (id BIGINT);");
        Migrator.Migrate(connection, Migration.FromDirectory(Scripts)).Select(a => a.Version).ShouldBe([2, 3]);
    }

    [Fact]
    public async Task Two_migrators_started_together_apply_each_migration_exactly_once()
    {
        var migrations = Migration.Embedded(PostgresDatabase.DialectName);
        using var timeout = TestTimeout.Start();

        // Hold the migrators' lock so that both are certainly waiting on it before either can start.
        await using var holder = await _db.OpenAsync();
        await holder.ExecuteAsync("SELECT pg_advisory_lock(@key)", new { key = Migrator.PostgresLockKey });
        var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(
            () =>
            {
                using var connection = _db.Open();
                return Migrator.Migrate(connection, migrations);
            },
            timeout.Token)).ToList();
        while (await holder.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())") < 2)
        {
            timeout.Token.ThrowIfCancellationRequested();
            await Task.Yield();
        }

        await holder.ExecuteAsync("SELECT pg_advisory_unlock(@key)", new { key = Migrator.PostgresLockKey });
        var applied = await Task.WhenAll(runs).WaitAsync(timeout.Token);

        applied.SelectMany(a => a).Select(a => a.Version).Order().ShouldBe(migrations.Select(m => m.Version));
        applied.ShouldContain(a => a.Count == 0, "the second migrator found the first one's history");
        History(holder).Select(h => (int)h.Version).ShouldBe(migrations.Select(m => m.Version));
        (await holder.ExecuteScalarAsync<bool>("SELECT pg_try_advisory_lock(@key)", new { key = Migrator.PostgresLockKey }))
            .ShouldBeTrue("both migrators released the lock");
    }

    [Fact]
    public void Alert_transitions_refuse_updates_deletes_and_truncation()
    {
        PostgresDatabase.Migrate(_db.ConnectionString);
        using var connection = _db.Open();
        connection.Execute("""
            INSERT INTO alert_transitions (customer_id, alert_id, transition, severity, at, by)
            VALUES ('c1', 'a1', 'created', 'high', 1, 'system')
            """);

        foreach (var sql in new[] { "UPDATE alert_transitions SET note = 'x'", "DELETE FROM alert_transitions", "TRUNCATE alert_transitions" })
        {
            Should.Throw<PostgresException>(() => connection.Execute(sql)).MessageText.ShouldBe("alert transitions are append-only", sql);
        }

        connection.ExecuteScalar<long>("SELECT COUNT(*) FROM alert_transitions").ShouldBe(1);
    }

    [Fact]
    public void Outbox_rows_waiting_from_before_packing_become_rows_of_one_message()
    {
        using var connection = _db.Open();
        var all = Migration.Embedded(PostgresDatabase.DialectName);
        Migrator.Migrate(connection, [.. all.Where(m => m.Version < 11)]);
        connection.Execute(
            """
            INSERT INTO outbox (topic, partition, key, payload, appended_at) VALUES
                ('readings.raw', 3, 'pé', '\xAB'::bytea, 1), ('events', 0, 'p2', '\x'::bytea, 2)
            """);

        Migrator.Migrate(connection, all);

        var rows = connection.Query<(string Topic, int Partition, int Count, byte[] Messages)>(
            "SELECT topic, partition, count, messages FROM outbox ORDER BY seq").ToList();
        rows.Select(r => (r.Topic, r.Partition, r.Count)).ShouldBe([("readings.raw", 3, 1), ("events", 0, 1)]);
        rows.Select(r => string.Join(",", Vigil.Kafka.OutboxFrame.Unpack(r.Messages).Select(m => $"{m.Key}:{Convert.ToHexString(m.Value.Span)}")))
            .ShouldBe(["pé:AB", "p2:"]);
    }

    [Fact]
    public void The_outbox_keeps_its_sequence_rising_after_the_relay_empties_it()
    {
        PostgresDatabase.Migrate(_db.ConnectionString);
        using var connection = _db.Open();
        const string Append = """
            INSERT INTO outbox (topic, partition, count, messages, appended_at) VALUES ('readings.raw', 0, 1, '\x01'::bytea, 1)
            RETURNING seq
            """;
        var first = connection.ExecuteScalar<long>(Append);
        connection.Execute("DELETE FROM outbox WHERE seq <= @first", new { first });

        connection.ExecuteScalar<long>(Append).ShouldBeGreaterThan(first);
    }

    [Fact]
    public void The_sqlite_reading_queries_read_every_reading_through_the_compatibility_views()
    {
        PostgresDatabase.Migrate(_db.ConnectionString);
        using var connection = _db.Open();
        connection.Execute("""
            INSERT INTO readings (customer_id, id, patient_id, type, value, observed_at, received_at)
            VALUES ('c1', 'r1', 'p1', 'heart_rate', 80, 2, 10), ('c1', 'r2', 'p1', 'heart_rate', 81, 1, 11), ('c1', 'r3', 'p2', 'heart_rate', 82, 1, 12)
            """);

        // The shape of ReadingStore.QueryAsync's index-plus-tail read: on PostgreSQL the index is everything, the tail nothing.
        connection.Query<long>("""
            SELECT observed_at FROM readings_by_patient WHERE customer_id = 'c1' AND patient_id = 'p1'
            UNION ALL
            SELECT observed_at FROM readings WHERE seq > (SELECT indexed_upto FROM readings_index_state WHERE id = 1)
              AND customer_id = 'c1' AND patient_id = 'p1'
            ORDER BY 1
            """).ShouldBe([1L, 2L]);
    }

    private void WriteScript(string name, string sql) => File.WriteAllText(Path.Combine(Scripts, name), sql);

    private static List<(long Version, string Description, string Checksum)> History(NpgsqlConnection connection) =>
        connection.Query<(long Version, string Description, string Checksum)>(
            "SELECT version, description, checksum FROM schema_history ORDER BY version").ToList();

    private static List<string> Tables(NpgsqlConnection connection) =>
        connection.Query<string>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'").ToList();

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Data.Sqlite;
using Vigil.Storage.Migrations;
using Vigil.Storage.Sqlite;

namespace Vigil.Storage.Tests.Migrations;

public sealed partial class MigratorTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _scripts;
    private readonly SqliteDatabase _db;

    public MigratorTests()
    {
        _scripts = _dir.Combine("scripts");
        Directory.CreateDirectory(_scripts);
        _db = new SqliteDatabase(_dir.Combine("data"));
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_fresh_database_gets_every_embedded_migration_recorded_in_schema_history_with_its_checksum()
    {
        var migrations = Migration.Embedded("sqlite");
        migrations.ShouldNotBeEmpty();
        using var connection = _db.Open();

        var applied = Migrator.Migrate(connection, migrations);

        applied.Select(a => a.Version).ShouldBe(migrations.Select(m => m.Version));
        var history = History(connection);
        history.Select(h => (int)h.Version).ShouldBe(migrations.Select(m => m.Version));
        history.Select(h => h.Description).ShouldBe(migrations.Select(m => m.Description));
        history.Select(h => h.Checksum).ShouldBe(migrations.Select(m => m.Checksum));
        history.ShouldAllBe(h => Sha256Hex().IsMatch(h.Checksum));
        Tables(connection).ShouldContain("log");
        Tables(connection).ShouldContain("consumer_offsets");
    }

    [Fact]
    public void The_embedded_migrations_are_in_version_order_and_start_at_one()
    {
        var versions = Migration.Embedded("sqlite").Select(m => m.Version).ToList();

        versions[0].ShouldBe(1);
        versions.ShouldBe(versions.Order().ToList());
        versions.Distinct().Count().ShouldBe(versions.Count);
    }

    [Fact]
    public void An_unknown_dialect_has_no_embedded_migrations() =>
        Migration.Embedded("no-such-dialect").ShouldBeEmpty();

    [Fact]
    public void History_records_the_time_of_the_injected_clock()
    {
        var at = new DateTimeOffset(2024, 2, 29, 12, 34, 56, TimeSpan.Zero);
        WriteScript("V001__a.sql", "CREATE TABLE a (id INTEGER);");
        using var connection = _db.Open();

        Migrator.Migrate(connection, Migration.FromDirectory(_scripts), new FixedClock(at));

        var recorded = connection.ExecuteScalar<string>("SELECT applied_at FROM schema_history WHERE version = 1");
        DateTimeOffset.Parse(recorded!, System.Globalization.CultureInfo.InvariantCulture).ShouldBe(at);
    }

    [Fact]
    public void Running_the_migrator_again_applies_nothing()
    {
        var migrations = Migration.Embedded("sqlite");
        using (var first = _db.Open())
        {
            Migrator.Migrate(first, migrations);
        }

        using var connection = _db.Open();
        var before = History(connection);

        Migrator.Migrate(connection, migrations).ShouldBeEmpty();

        History(connection).ShouldBe(before);
    }

    [Fact]
    public void Only_scripts_newer_than_the_history_are_applied()
    {
        WriteScript("V001__a.sql", "CREATE TABLE a (id INTEGER);");
        using var connection = _db.Open();
        Migrator.Migrate(connection, Migration.FromDirectory(_scripts));
        WriteScript("V002__b.sql", "CREATE TABLE b (id INTEGER);");

        var applied = Migrator.Migrate(connection, Migration.FromDirectory(_scripts));

        applied.Select(a => a.Version).ShouldBe([2]);
        applied[0].Description.ShouldBe("b");
        History(connection).Select(h => h.Version).ShouldBe([1L, 2L]);
    }

    [Fact]
    public void A_script_older_than_an_applied_one_is_refused_instead_of_run_out_of_order()
    {
        WriteScript("V001__a.sql", "CREATE TABLE a (id INTEGER);");
        WriteScript("V003__c.sql", "CREATE TABLE c (id INTEGER);");
        using var connection = _db.Open();
        Migrator.Migrate(connection, Migration.FromDirectory(_scripts));
        WriteScript("V002__b.sql", "CREATE TABLE b (id INTEGER);");

        var error = Should.Throw<MigrationException>(() => Migrator.Migrate(connection, Migration.FromDirectory(_scripts)));

        error.Message.ShouldContain("V2 (b) is older than V3");
        Tables(connection).ShouldNotContain("b");
    }

    [Fact]
    public void An_applied_script_that_was_edited_is_refused_naming_its_version()
    {
        WriteScript("V001__a.sql", "CREATE TABLE a (id INTEGER);");
        WriteScript("V002__b.sql", "CREATE TABLE b (id INTEGER);");
        using var connection = _db.Open();
        Migrator.Migrate(connection, Migration.FromDirectory(_scripts));
        WriteScript("V001__a.sql", "CREATE TABLE a (id INTEGER, extra TEXT);");
        WriteScript("V003__c.sql", "CREATE TABLE c (id INTEGER);");

        var error = Should.Throw<MigrationException>(() => Migrator.Migrate(connection, Migration.FromDirectory(_scripts)));

        error.Message.ShouldContain("V1 ");
        error.Message.ShouldContain("changed");
        // Refused before anything is applied: the new script waits until the history is sound.
        Tables(connection).ShouldNotContain("c");
        History(connection).Select(h => h.Version).ShouldBe([1L, 2L]);
    }

    [Fact]
    public void A_script_checked_out_with_crlf_line_endings_is_not_taken_for_an_edited_one()
    {
        WriteScript("V001__a.sql", "CREATE TABLE a (\n    id INTEGER\n);\n");
        using var connection = _db.Open();
        Migrator.Migrate(connection, Migration.FromDirectory(_scripts));
        WriteScript("V001__a.sql", "CREATE TABLE a (\r\n    id INTEGER\r\n);\r\n");

        Migrator.Migrate(connection, Migration.FromDirectory(_scripts)).ShouldBeEmpty();
    }

    [Fact]
    public void A_database_with_a_version_the_scripts_do_not_know_is_refused()
    {
        WriteScript("V001__a.sql", "CREATE TABLE a (id INTEGER);");
        WriteScript("V002__b.sql", "CREATE TABLE b (id INTEGER);");
        using var connection = _db.Open();
        Migrator.Migrate(connection, Migration.FromDirectory(_scripts));
        File.Delete(Path.Combine(_scripts, "V002__b.sql"));

        var error = Should.Throw<MigrationException>(() => Migrator.Migrate(connection, Migration.FromDirectory(_scripts)));

        error.Message.ShouldContain("V2 ");
        error.Message.ShouldContain("newer");
    }

    [Fact]
    public void A_failing_script_is_rolled_back_and_the_ones_before_it_stay()
    {
        WriteScript("V001__a.sql", "CREATE TABLE a (id INTEGER);");
        WriteScript("V002__b.sql", "CREATE TABLE b (id INTEGER);\nINSERT INTO b VALUES (1);\nTHIS IS NOT SQL;");
        WriteScript("V003__c.sql", "CREATE TABLE c (id INTEGER);");
        using var connection = _db.Open();

        var error = Should.Throw<MigrationException>(() => Migrator.Migrate(connection, Migration.FromDirectory(_scripts)));

        error.Message.ShouldContain("V2 ");
        error.Message.ShouldContain("rolled back");
        Tables(connection).ShouldContain("a");
        Tables(connection).ShouldNotContain("b");
        Tables(connection).ShouldNotContain("c");
        History(connection).Select(h => h.Version).ShouldBe([1L]);
    }

    [Fact]
    public void A_failed_script_can_be_fixed_and_applied_on_the_next_run()
    {
        WriteScript("V001__a.sql", "CREATE TABLE a (id INTEGER);");
        WriteScript("V002__b.sql", "CREATE TABLE b (id INTEGER);\nTHIS IS NOT SQL;");
        using var connection = _db.Open();
        Should.Throw<MigrationException>(() => Migrator.Migrate(connection, Migration.FromDirectory(_scripts)));
        WriteScript("V002__b.sql", "CREATE TABLE b (id INTEGER);");

        Migrator.Migrate(connection, Migration.FromDirectory(_scripts)).Select(a => a.Version).ShouldBe([2]);

        Tables(connection).ShouldContain("b");
    }

    [Fact]
    public void Files_that_are_not_versioned_scripts_are_ignored_by_the_directory_reader()
    {
        WriteScript("V001__a.sql", "CREATE TABLE a (id INTEGER);");
        WriteScript("README.md", "not a migration");
        WriteScript("R__repeatable.sql", "CREATE VIEW v AS SELECT 1;");

        Migration.FromDirectory(_scripts).Select(m => m.Version).ShouldBe([1]);
    }

    [Fact]
    public void Two_scripts_with_the_same_version_are_refused()
    {
        WriteScript("V1__a.sql", "CREATE TABLE a (id INTEGER);");
        WriteScript("V001__b.sql", "CREATE TABLE b (id INTEGER);");

        Should.Throw<FormatException>(() => Migration.FromDirectory(_scripts)).Message.ShouldContain("version 1");
    }

    [Theory]
    [InlineData("V001__create_readings.sql", 1, "create readings")]
    [InlineData("V12__x.sql", 12, "x")]
    [InlineData("migrations/sqlite/V003__add_index_on_log.sql", 3, "add index on log")]
    public void The_file_name_parser_reads_version_and_description(string fileName, int version, string description)
    {
        var migration = Migration.FromFile(fileName, "SELECT 1;");

        migration.Version.ShouldBe(version);
        migration.Description.ShouldBe(description);
    }

    [Theory]
    [InlineData("001__a.sql")]
    [InlineData("v001__a.sql")]
    [InlineData("V001_a.sql")]
    [InlineData("V__a.sql")]
    [InlineData("Vone__a.sql")]
    [InlineData("V1.2__a.sql")]
    [InlineData("V001.sql")]
    [InlineData("U001__undo.sql")]
    public void The_file_name_parser_rejects_bad_names(string fileName) =>
        Should.Throw<FormatException>(() => Migration.FromFile(fileName, "SELECT 1;")).Message.ShouldContain(fileName);

    [Theory]
    [InlineData("V-1__a.sql")]
    [InlineData("V+1__a.sql")]
    [InlineData("V 1__a.sql")]
    public void The_file_name_parser_rejects_versions_that_are_not_plain_digits(string fileName) =>
        Should.Throw<FormatException>(() => Migration.FromFile(fileName, "SELECT 1;"));

    [Fact]
    public void The_checksum_changes_when_the_script_changes_and_ignores_line_endings()
    {
        var original = Migration.FromFile("V001__a.sql", "CREATE TABLE a (id INTEGER);\n");

        Migration.FromFile("V001__a.sql", "CREATE TABLE a (id INTEGER);\r\n").Checksum.ShouldBe(original.Checksum);
        Migration.FromFile("V001__a.sql", "CREATE TABLE a (id TEXT);\n").Checksum.ShouldNotBe(original.Checksum);
    }

    private void WriteScript(string name, string sql) => File.WriteAllText(Path.Combine(_scripts, name), sql);

    private static List<(long Version, string Description, string Checksum)> History(SqliteConnection connection) =>
        connection.Query<(long Version, string Description, string Checksum)>(
            "SELECT version, description, checksum FROM schema_history ORDER BY version").ToList();

    private static List<string> Tables(SqliteConnection connection) =>
        connection.Query<string>("SELECT name FROM sqlite_master WHERE type = 'table'").ToList();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}

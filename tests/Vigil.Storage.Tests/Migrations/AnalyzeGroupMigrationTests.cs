using Dapper;
using Vigil.Storage.Migrations;
using Vigil.Storage.Sqlite;

namespace Vigil.Storage.Tests.Migrations;

/// <summary>V008 folds the analyze role's three former consumer groups into one.</summary>
public sealed class AnalyzeGroupMigrationTests
{
    [Fact]
    public void The_analyze_group_resumes_where_the_slowest_former_group_stood_and_the_former_groups_are_gone()
    {
        using var dir = new TempDirectory();
        using var connection = new SqliteDatabase(dir.Path).Open();
        var all = Migration.Embedded("sqlite");
        Migrator.Migrate(connection, [.. all.Where(m => m.Version < 8)]);
        connection.Execute(
            """
            INSERT INTO consumer_offsets (group_id, topic, partition, next_offset, updated_at) VALUES
                ('analyze-windows', 'readings.enriched', 0, 120, 1), ('analyze-news2', 'readings.enriched', 0, 100, 2),
                ('analyze-windows', 'readings.enriched', 1, 50, 1), ('analyze-news2', 'readings.enriched', 1, 50, 1),
                ('enrich', 'readings.raw', 0, 300, 1)
            """);

        Migrator.Migrate(connection, all);

        connection.Query<(string, string, long, long)>("SELECT group_id, topic, partition, next_offset FROM consumer_offsets ORDER BY group_id, partition")
            .ShouldBe([("analyze", "readings.enriched", 0L, 100L), ("analyze", "readings.enriched", 1L, 50L), ("enrich", "readings.raw", 0L, 300L)]);
    }
}

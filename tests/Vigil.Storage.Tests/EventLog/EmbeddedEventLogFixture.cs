using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vigil.Storage.EventLog;
using Vigil.Storage.Migrations;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Tests.EventLog;

/// <summary>The embedded log on a SQLite file in a fresh temp directory; a restart builds new instances on the same file.</summary>
internal sealed class EmbeddedEventLogFixture : IEventLogFixture
{
    private readonly TempDirectory _dir = new();
    private readonly SqliteDatabase _db;
    private readonly int _partitions;
    private readonly List<ILogConsumer> _consumers = [];

    public EmbeddedEventLogFixture(string name, int partitions)
    {
        _partitions = partitions;
        Topic = $"compliance.{name}";
        _db = new SqliteDatabase(_dir.Path);
        Start();
    }

    public IEventLog Log { get; private set; } = null!;

    public GroupCommitter Writer { get; private set; } = null!;

    public string Topic { get; }

    public SqliteDatabase Database => _db;

    public DbConnection OpenConnection() => _db.Open();

    public ILogConsumer Subscribe(string groupId)
    {
        var consumer = Log.Subscribe(groupId, [Topic]);
        _consumers.Add(consumer);
        return consumer;
    }

    public async Task<IReadOnlyList<string>> ReadEffectsAsync(CancellationToken cancellationToken)
    {
        await using var connection = _db.Open();
        return (await connection.QueryAsync<string>(new CommandDefinition(
            "SELECT effect FROM compliance_effects ORDER BY rowid", cancellationToken: cancellationToken))).ToList();
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        Start();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _dir.Dispose();
    }

    private void Start()
    {
        // What start-up does: migrate (a no-op after the first time), then build the writer and the log.
        using (var connection = _db.Open())
        {
            Migrator.Migrate(connection, Migration.Embedded("sqlite"));
            connection.Execute("CREATE TABLE IF NOT EXISTS compliance_effects (effect TEXT NOT NULL)");
        }

        Writer = new GroupCommitter(_db.Open, TimeProvider.System, NullLogger<GroupCommitter>.Instance);
        Log = new EmbeddedEventLog(_db, Options.Create(new EventLogOptions { Partitions = _partitions }));
    }

    private async Task StopAsync()
    {
        foreach (var consumer in _consumers)
        {
            await consumer.DisposeAsync();
        }

        _consumers.Clear();
        if (Writer is not null)
        {
            await Writer.DisposeAsync();
        }
    }
}

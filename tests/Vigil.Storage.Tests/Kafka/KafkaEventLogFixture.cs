using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vigil.Kafka;
using Vigil.Storage.EventLog;
using Vigil.Storage.Postgres;
using Vigil.Storage.Tests.Distributed;
using Vigil.Storage.Tests.EventLog;
using Vigil.Storage.Tests.Postgres;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Tests.Kafka;

/// <summary>
/// The Kafka log on the test broker with its outbox and consumer positions in a database of its own on the test
/// PostgreSQL, topic and group names under a prefix of its own; a restart builds new writer, relay and members on the
/// same database and topics, as a process restart would.
/// </summary>
internal sealed class KafkaEventLogFixture : IEventLogFixture
{
    /// <summary>The test broker creates topics on first use with this many partitions (scripts/test-deps/kafka.sh).</summary>
    public const int Partitions = 12;

    private readonly PostgresTestDatabase _database;
    private readonly PostgresDatabase _db;
    private readonly KafkaOptions _options;
    private readonly List<ILogConsumer> _consumers = [];
    private OutboxRelay? _relay;

    private KafkaEventLogFixture(PostgresTestDatabase database, KafkaOptions options, string name)
    {
        _database = database;
        _db = new PostgresDatabase(database.ConnectionString);
        _options = options;
        Topic = $"compliance.{name}";
    }

    public static async Task<KafkaEventLogFixture> StartAsync(PostgresServer postgres, KafkaServer kafka, string name)
    {
        var client = kafka.ClientConfig;
        var options = new KafkaOptions
        {
            Bootstrap = client.BootstrapServers,
            Prefix = $"t{Guid.NewGuid():N}"[..13] + ".",
            // A member that went without leaving its group is replaced after the session timeout (librdkafka's default
            // is 45 s): 10 s keeps a restart inside the tests' deadlines.
            Config = client.Where(c => c.Key != "bootstrap.servers")
                .Append(new("session.timeout.ms", "10000")).Append(new("heartbeat.interval.ms", "3000"))
                .ToDictionary(c => c.Key, c => c.Value),
        };
        var fixture = new KafkaEventLogFixture(await PostgresTestDatabase.CreateAsync(postgres), options, name);
        fixture._db.Migrate();
        await using (var connection = fixture._db.Open())
        {
            await connection.ExecuteAsync("CREATE TABLE compliance_effects (n BIGINT GENERATED ALWAYS AS IDENTITY, effect TEXT NOT NULL)");
        }

        await fixture.BuildAsync();
        return fixture;
    }

    public IEventLog Log { get; private set; } = null!;

    public GroupCommitter Writer { get; private set; } = null!;

    public string Topic { get; }

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
            "SELECT effect FROM compliance_effects ORDER BY n", cancellationToken: cancellationToken))).ToList();
    }

    public async Task RestartAsync()
    {
        await StopAsync();
        await BuildAsync();
    }

    private async Task BuildAsync()
    {
        Writer = new GroupCommitter(_db.OpenWriter, TimeProvider.System, NullLogger<GroupCommitter>.Instance);
        Log = new KafkaEventLog(_db.DataSource, Options.Create(_options), Options.Create(new EventLogOptions { Partitions = Partitions }));
        _relay = new OutboxRelay(_db.DataSource, Options.Create(_options), NullLogger<OutboxRelay>.Instance);
        await _relay.StartAsync(CancellationToken.None);
    }

    private async Task StopAsync()
    {
        foreach (var consumer in _consumers)
        {
            await consumer.DisposeAsync();
        }

        _consumers.Clear();
        if (_relay is not null)
        {
            await _relay.StopAsync(CancellationToken.None);
            _relay.Dispose();
        }

        if (Writer is not null)
        {
            await Writer.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        await _db.DisposeAsync();
        await _database.DisposeAsync();
    }
}

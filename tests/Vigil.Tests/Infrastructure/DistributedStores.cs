using Vigil.Kafka;
using Vigil.Storage.Tests.Distributed;
using Vigil.Storage.Tests.Postgres;

namespace Vigil.Tests.Infrastructure;

/// <summary>
/// The distributed mode on the test servers (docs/testing.md): each store is a database of its own on the test
/// PostgreSQL and a topic and group prefix of its own on the test Kafka, so fixtures never share state. The Kafka client
/// settings the 0.9 test broker needs come from the test configuration (<see cref="KafkaServer"/>), as
/// <c>--kafka-config</c> flags.
/// </summary>
public sealed class DistributedStores : IVigilStores
{
    /// <summary>The test broker creates topics with this many partitions (scripts/test-deps/kafka.sh), Vigil's default.</summary>
    private const int Partitions = 12;

    private readonly PostgresServer _postgres = new();
    private readonly KafkaServer _kafka = new();

    public bool Available => _postgres.Available && _kafka.Available;

    public async ValueTask InitializeAsync()
    {
        await _postgres.InitializeAsync();
        await _kafka.InitializeAsync();
    }

    public void EnsureAvailable()
    {
        _ = _postgres.ConnectionString;
        _ = _kafka.ClientConfig;
    }

    public async Task<VigilStore> CreateAsync()
    {
        var client = _kafka.ClientConfig;
        var kafka = new KafkaOptions
        {
            Bootstrap = client.BootstrapServers,
            Prefix = $"t{Guid.NewGuid():N}"[..13] + ".",
            Config = client.Where(c => c.Key != "bootstrap.servers").ToDictionary(c => c.Key, c => c.Value),
        };
        return new DistributedStore(await PostgresTestDatabase.CreateAsync(_postgres), kafka);
    }

    private sealed class DistributedStore : VigilStore
    {
        private readonly PostgresTestDatabase _database;

        public DistributedStore(PostgresTestDatabase database, KafkaOptions kafka)
        {
            _database = database;
            Database = new PostgresVigilDatabase(database.ConnectionString, kafka, Partitions);
            var settings = new Dictionary<string, string?>
            {
                ["Vigil:Storage"] = "postgres",
                ["Vigil:ConnectionString"] = database.ConnectionString,
                ["Vigil:Log"] = "kafka",
                ["Vigil:KafkaBootstrap"] = kafka.Bootstrap,
                ["Kafka:Prefix"] = kafka.Prefix,
            };
            foreach (var (key, value) in kafka.Config)
            {
                settings[$"Vigil:KafkaConfig:{key}"] = value;
            }

            Settings = settings;
        }

        public override VigilDatabase Database { get; }

        protected override IReadOnlyDictionary<string, string?> Settings { get; }

        public override async ValueTask DisposeAsync()
        {
            await base.DisposeAsync();
            await _database.DisposeAsync();
        }
    }
}

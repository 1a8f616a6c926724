using Vigil.Storage.Tests.Distributed;
using Vigil.Storage.Tests.EventLog;

namespace Vigil.Storage.Tests.Kafka;

/// <summary>The compliance suite against the Kafka log: outbox and positions in PostgreSQL, messages in Kafka.</summary>
public sealed class KafkaEventLogComplianceTests(PostgresServer postgres, KafkaServer kafka)
    : EventLogComplianceTests, IClassFixture<PostgresServer>, IClassFixture<KafkaServer>
{
    protected override async Task<IEventLogFixture> StartAsync(string name) =>
        await KafkaEventLogFixture.StartAsync(postgres, kafka, name);
}

namespace Vigil.Storage.Tests.EventLog;

/// <summary>The compliance suite against the embedded log in SQLite.</summary>
public sealed class EmbeddedEventLogComplianceTests : EventLogComplianceTests
{
    protected override Task<IEventLogFixture> StartAsync(string name) =>
        Task.FromResult<IEventLogFixture>(new EmbeddedEventLogFixture(name, partitions: 4));
}

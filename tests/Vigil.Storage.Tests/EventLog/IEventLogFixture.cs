using System.Data.Common;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Tests.EventLog;

/// <summary>
/// One implementation of <see cref="IEventLog"/> under test, with what the compliance suite needs around it: the
/// store its write jobs run in, a topic of its own, and a way to restart the process' view of it.
/// </summary>
public interface IEventLogFixture : IAsyncDisposable
{
    /// <summary>The log as the current "process" sees it; replaced by <see cref="RestartAsync"/>.</summary>
    IEventLog Log { get; }

    /// <summary>Runs write jobs against the store the log appends into and consumers commit into; replaced by <see cref="RestartAsync"/>.</summary>
    GroupCommitter Writer { get; }

    /// <summary>A topic that only this test uses, already created with its partitions.</summary>
    string Topic { get; }

    /// <summary>
    /// A table <c>compliance_effects (effect TEXT NOT NULL)</c> exists in the store, for effects written in the same
    /// transaction as a consumer's commit. Returns its rows.
    /// </summary>
    Task<IReadOnlyList<string>> ReadEffectsAsync(CancellationToken cancellationToken);

    /// <summary>Joins <paramref name="groupId"/> on <see cref="Topic"/>; the fixture disposes the member on restart and at the end.</summary>
    ILogConsumer Subscribe(string groupId);

    /// <summary>Disposes every consumer and the writer, then builds new ones on the same durable state, as a process restart would.</summary>
    Task RestartAsync();

    /// <summary>Opens a connection to the store for assertions.</summary>
    DbConnection OpenConnection();
}

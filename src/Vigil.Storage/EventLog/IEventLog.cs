using Vigil.Domain.Log;
using Vigil.Storage.Writes;

namespace Vigil.Storage.EventLog;

/// <summary>
/// Vigil's durable, partitioned event log (shared/DESIGN.md). Messages are appended inside the write transaction
/// that causes them, so a change and its event are durable together or not at all; consumers record their position
/// inside the transaction of their own effects, so each message's effects happen exactly once. Two implementations:
/// the embedded log in SQLite, and Kafka fed from an outbox.
/// </summary>
public interface IEventLog
{
    /// <summary>The number of partitions of <paramref name="topic"/>; a key always maps to the same one.</summary>
    int PartitionCount(string topic);

    /// <summary>Appends messages as part of the write job's transaction; consumers see them once it commits.</summary>
    void Append(WriteContext ctx, IReadOnlyList<LogMessage> messages);

    /// <summary>Joins consumer group <paramref name="groupId"/> on <paramref name="topics"/>, resuming from the group's committed offsets.</summary>
    ILogConsumer Subscribe(string groupId, IReadOnlyList<string> topics);
}

/// <summary>One member of a consumer group.</summary>
public interface ILogConsumer : IAsyncDisposable
{
    /// <summary>
    /// Waits (without polling) until an assigned partition has messages past this consumer's position and returns up to
    /// <paramref name="maxMessages"/> of them from that one partition, in offset order; the position moves past them.
    /// </summary>
    ValueTask<ConsumedBatch> ReceiveAsync(int maxMessages, CancellationToken cancellationToken);

    /// <summary>
    /// Waits as <see cref="ReceiveAsync(int, CancellationToken)"/> does, then returns batches from up to
    /// <paramref name="maxPartitions"/> different partitions that have messages now, at most one batch per partition:
    /// a member can hand them to the writer together, so they share one commit instead of queueing for one each.
    /// </summary>
    async ValueTask<IReadOnlyList<ConsumedBatch>> ReceiveAsync(int maxMessages, int maxPartitions, CancellationToken cancellationToken) =>
        [await ReceiveAsync(maxMessages, cancellationToken)];

    /// <summary>The offset the group resumes from in a partition: everything before it is handled and committed.</summary>
    long CommittedOffset(string topic, int partition);

    /// <summary>Records, in the write job's transaction, that the group has handled <paramref name="batch"/>.</summary>
    void Commit(WriteContext ctx, ConsumedBatch batch) => Commit(ctx, batch.Topic, batch.Partition, batch.NextOffset);

    /// <summary>
    /// Records, in the write job's transaction, that the group resumes the partition from <paramref name="nextOffset"/>:
    /// for a member that finishes messages of one partition out of order and commits the finished prefix. An offset
    /// below the one already committed changes nothing.
    /// </summary>
    void Commit(WriteContext ctx, string topic, int partition, long nextOffset);

    /// <summary>Moves the position of the batch's partition back to the last committed offset (after a failed effect).</summary>
    void Rewind(ConsumedBatch batch);

    /// <summary>
    /// Moves each time this member is handed partitions: other members may have handled them in between, so what the
    /// member remembers about their keys (a patient's windows) may be stale. The embedded log's one member never moves it.
    /// </summary>
    int Generation => 0;
}

/// <summary>Messages from one partition, in offset order.</summary>
public sealed record ConsumedBatch(string Topic, int Partition, IReadOnlyList<ConsumedMessage> Messages)
{
    /// <summary>The offset the group resumes from once this batch is committed.</summary>
    public long NextOffset => Messages[^1].Offset + 1;
}

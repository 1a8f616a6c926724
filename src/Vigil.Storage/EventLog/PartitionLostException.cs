namespace Vigil.Storage.EventLog;

/// <summary>
/// A member tried to commit for a partition it no longer owns: another member of its group took the partition over in a
/// rebalance. The commit's transaction fails, so the batch's effects roll back; the new owner handles those messages.
/// A member that gets this drops the batch and reads on from what it still owns.
/// </summary>
public sealed class PartitionLostException(string group, string topic, int partition)
    : Exception($"Consumer group '{group}' no longer owns {topic}/{partition} here; its effects were rolled back and the new owner handles those messages.");

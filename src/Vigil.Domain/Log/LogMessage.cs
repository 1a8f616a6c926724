namespace Vigil.Domain.Log;

/// <summary>A message to append: the topic, the partitioning key (a patient id) and the encoded envelope.</summary>
public sealed record LogMessage(string Topic, string Key, byte[] Payload);

/// <summary>A message read back from the log, with its position.</summary>
public sealed record ConsumedMessage(string Topic, int Partition, long Offset, string Key, byte[] Payload);

namespace Vigil.Storage.EventLog;

/// <summary>Settings of the embedded log (section "EventLog").</summary>
public sealed class EventLogOptions
{
    /// <summary>Partitions per topic. Fixed once data exists: changing it would move patients between partitions.</summary>
    public int Partitions { get; set; } = 12;
}

namespace Vigil.Domain.Events;

/// <summary>
/// Where a clinical event is in processing: accepted (stored, not yet handled), processed (its handler's effects are
/// applied), failed (its handler refused its content; not retried) or dead-lettered (its handler kept throwing).
/// </summary>
public static class EventStatuses
{
    public const string Accepted = "accepted";
    public const string Processed = "processed";
    public const string Failed = "failed";
    public const string DeadLettered = "dead-lettered";
}

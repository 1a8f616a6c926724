namespace Vigil.Hosting.Readiness;

/// <summary>
/// Where a consumer-group member stands: "waiting" until it has subscribed and knows its committed offsets, then
/// "assigned" until it stops. A Kafka member is assigned once the group gives it partitions.
/// </summary>
public sealed class ConsumerReadiness
{
    private volatile string _state = "waiting";

    public string State => _state;

    public bool Ready => _state == "assigned";

    public void Assigned() => _state = "assigned";

    public void Stopped() => _state = "stopped";
}

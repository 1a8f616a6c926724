namespace Vigil.Domain.Log;

/// <summary>The topics of Vigil's event log (shared/DESIGN.md, "Data flow"). Kafka names add a prefix ("vigil.").</summary>
public static class Topics
{
    public const string ReadingsRaw = "readings.raw";
    public const string ReadingsEnriched = "readings.enriched";
    public const string ReferenceChanges = "reference.changes";
    public const string Events = "events";
    public const string Alerts = "alerts";
    public const string DeadLetters = "dlq";

    public static IReadOnlyList<string> All { get; } =
        [ReadingsRaw, ReadingsEnriched, ReferenceChanges, Events, Alerts, DeadLetters];
}

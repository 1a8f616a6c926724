using System.Diagnostics.Metrics;
using Vigil.Domain.Diagnostics;
using Vigil.Storage.Readings;

namespace Vigil.Observability;

/// <summary>Readings and events taken in, by interface and outcome: counted once the write is durable (or the request refused).</summary>
public static class IngestMetrics
{
    public const string Http = "http";
    public const string Fhir = "fhir";
    public const string Hl7 = "hl7";
    public const string Grpc = "grpc";

    private static readonly Counter<long> Readings = VigilTelemetry.Meter.CreateCounter<long>(
        "vigil.ingest.readings", "{reading}", "Readings taken in, by interface and outcome.");

    private static readonly Counter<long> Events = VigilTelemetry.Meter.CreateCounter<long>(
        "vigil.ingest.events", "{event}", "Clinical events taken in, by outcome.");

    public static void Stored(string channel, IngestResult result)
    {
        Add(channel, "accepted", result.Accepted);
        Add(channel, "duplicate", result.Duplicates);
    }

    /// <summary>Readings of a request that was refused: nothing of it was stored.</summary>
    public static void Rejected(string channel, int readings) => Add(channel, "rejected", readings);

    public static void EventsStored(IngestResult result)
    {
        AddEvents("accepted", result.Accepted);
        AddEvents("duplicate", result.Duplicates);
    }

    public static void EventsRejected(int events) => AddEvents("rejected", events);

    private static void Add(string channel, string outcome, long count)
    {
        if (count > 0)
        {
            Readings.Add(count, new KeyValuePair<string, object?>("interface", channel), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    private static void AddEvents(string outcome, long count)
    {
        if (count > 0)
        {
            Events.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }
}

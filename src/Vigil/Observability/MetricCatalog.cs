namespace Vigil.Observability;

/// <summary>How an instrument is exposed to Prometheus.</summary>
public enum MetricKind
{
    Counter,
    Gauge,
    Histogram,
}

/// <summary>
/// One exported metric: the instrument (meter and name) it comes from, its Prometheus name, kind and help, and the only
/// tags that become labels. Tags an instrument records that are not listed here are dropped, so no identifier can become
/// a label by accident (docs/observability.md lists why each label is safe).
/// </summary>
public sealed record MetricDefinition(string Meter, string Instrument, string Name, MetricKind Kind, string Help, string[] Labels, double[]? Buckets = null)
{
    /// <summary>Prometheus label names for <see cref="Labels"/>: dots become underscores.</summary>
    public string[] LabelNames { get; } = [.. Labels.Select(l => l.Replace('.', '_'))];
}

/// <summary>Every metric <c>/metrics</c> exposes, in one table.</summary>
public static class MetricCatalog
{
    private const string Vigil = Domain.Diagnostics.VigilTelemetry.Name;
    private const string Hosting = "Microsoft.AspNetCore.Hosting";
    private const string Kestrel = "Microsoft.AspNetCore.Server.Kestrel";

    /// <summary>Request and stage latency buckets in seconds: 1 ms to 10 s.</summary>
    public static readonly double[] LatencyBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    public static IReadOnlyList<MetricDefinition> All { get; } =
    [
        new(Vigil, "vigil.ingest.readings", "vigil_ingest_readings_total", MetricKind.Counter,
            "Readings taken in, by interface (http, fhir, hl7, grpc) and outcome (accepted, duplicate, rejected).", ["interface", "outcome"]),
        new(Vigil, "vigil.ingest.events", "vigil_ingest_events_total", MetricKind.Counter,
            "Clinical events taken in over HTTP, by outcome (accepted, duplicate, rejected).", ["outcome"]),
        new(Vigil, "vigil.log.appends", "vigil_log_appends_total", MetricKind.Counter,
            "Messages appended to the event log, by topic and partition.", ["topic", "partition"]),
        new(Vigil, "vigil.log.consumer_lag", "vigil_log_consumer_lag_messages", MetricKind.Gauge,
            "Messages a consumer group has not yet committed, by group, topic and partition.", ["group", "topic", "partition"]),
        new(Vigil, "vigil.stage.duration", "vigil_stage_duration_seconds", MetricKind.Histogram,
            "Time a processing stage took for one round of messages, writer queue and commit included, by stage.", ["stage"], LatencyBuckets),
        new(Vigil, "vigil.stage.messages", "vigil_stage_messages_total", MetricKind.Counter,
            "Messages a processing stage committed, by stage.", ["stage"]),
        new(Vigil, "vigil.dlq.depth", "vigil_dlq_depth_messages", MetricKind.Gauge,
            "Dead letters not replayed yet.", []),
        new(Vigil, "vigil.alerts.active", "vigil_alerts_active", MetricKind.Gauge,
            "Alerts in status active, by severity.", ["severity"]),
        new(Vigil, "vigil.webhook.deliveries", "vigil_webhook_deliveries_total", MetricKind.Counter,
            "Webhook deliveries finished, by outcome (delivered, failed).", ["outcome"]),
        new(Vigil, "process.resident_memory", "process_resident_memory_bytes", MetricKind.Gauge, "Resident memory size in bytes.", []),
        new(Vigil, "process.cpu.time", "process_cpu_seconds_total", MetricKind.Counter, "Total user and system CPU time spent in seconds.", []),
        new(Vigil, "process.start_time", "process_start_time_seconds", MetricKind.Gauge, "Start time of the process since the Unix epoch in seconds.", []),
        new(Vigil, "dotnet.gc.collections", "dotnet_gc_collections_total", MetricKind.Counter, "Garbage collections since the process started, by generation.", ["generation"]),
        new(Vigil, "dotnet.gc.heap_size", "dotnet_gc_heap_size_bytes", MetricKind.Gauge, "Bytes currently thought to be allocated on the managed heap.", []),
        new(Vigil, "dotnet.thread_pool.threads", "dotnet_thread_pool_threads", MetricKind.Gauge, "Thread-pool threads that currently exist.", []),
        new(Vigil, "dotnet.thread_pool.queue_length", "dotnet_thread_pool_queue_length", MetricKind.Gauge, "Work items queued to the thread pool and not started.", []),
        new(Hosting, "http.server.request.duration", "http_server_request_duration_seconds", MetricKind.Histogram,
            "Duration of HTTP server requests, by method, route template and status code.", ["http.request.method", "http.route", "http.response.status_code"],
            LatencyBuckets),
        new(Hosting, "http.server.active_requests", "http_server_active_requests", MetricKind.Gauge,
            "HTTP requests being handled now, by method.", ["http.request.method"]),
        new(Kestrel, "kestrel.active_connections", "kestrel_active_connections", MetricKind.Gauge, "Connections Kestrel currently holds open.", []),
    ];
}

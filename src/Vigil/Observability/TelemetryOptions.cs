namespace Vigil.Observability;

/// <summary>Section <c>Vigil:Telemetry</c>: traces, log format and how long a stopping process may drain (docs/observability.md).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Vigil:Telemetry";

    /// <summary>
    /// Base address of an OTLP/HTTP receiver (--otlp-endpoint), e.g. http://collector:4318; spans go to its
    /// <c>/v1/traces</c>. Unset (the default) means no tracing, unless <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>How long the exporter gathers spans before it sends them, in milliseconds.</summary>
    public int ExportDelayMs { get; set; } = 1000;

    /// <summary>Console log format (--log-format): json (default; one object per line, with trace and span ids) or simple.</summary>
    public string LogFormat { get; set; } = "json";

    /// <summary>
    /// How long a stopping process (SIGTERM, Ctrl+C) lets in-flight requests and work finish before it exits anyway
    /// (--shutdown-timeout, seconds; the host's <c>HostOptions.ShutdownTimeout</c>).
    /// </summary>
    public double ShutdownTimeoutSeconds { get; set; } = 30;

    /// <summary>The OTLP endpoint this process exports to: the setting, else the standard environment variable.</summary>
    public string? Endpoint() =>
        string.IsNullOrWhiteSpace(OtlpEndpoint) ? Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT") is { Length: > 0 } env ? env : null : OtlpEndpoint;
}

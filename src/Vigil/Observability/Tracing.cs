using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Vigil.Domain.Diagnostics;

namespace Vigil.Observability;

/// <summary>
/// The process's tracer when an OTLP endpoint is set: Vigil's ActivitySource, ASP.NET Core's and HttpClient's, exported over
/// OTLP/HTTP protobuf in batches. Disposed with the host, which sends what is still buffered.
/// </summary>
public sealed class Tracing(TracerProvider? provider) : IDisposable
{
    /// <summary>.NET's HttpClient spans: the webhook calls, which carry their context to the receiver.</summary>
    public const string HttpClientSource = "System.Net.Http";

    public bool Enabled => provider is not null;

    public static Tracing Start(TelemetryOptions options)
    {
        if (options.Endpoint() is not { } endpoint)
        {
            return new Tracing(null);
        }

        var traces = new Uri(new Uri(endpoint.EndsWith('/') ? endpoint : endpoint + "/"), "v1/traces");
        return new Tracing(Sdk.CreateTracerProviderBuilder()
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("vigil"))
            .AddSource(VigilTelemetry.Name, ObservabilityModule.AspNetCoreSource, HttpClientSource)
            .AddOtlpExporter(o =>
            {
                o.Endpoint = traces;
                o.Protocol = OtlpExportProtocol.HttpProtobuf;
                o.BatchExportProcessorOptions.ScheduledDelayMilliseconds = options.ExportDelayMs;
            })
            .Build());
    }

    public void Dispose() => provider?.Dispose();
}

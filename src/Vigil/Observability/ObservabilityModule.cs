using Microsoft.Extensions.Logging.Console;

namespace Vigil.Observability;

/// <summary>Metrics for <c>/metrics</c>, OTLP traces when an endpoint is set, the console log format, and the shutdown bound.</summary>
public static class ObservabilityModule
{
    /// <summary>ASP.NET Core's own ActivitySource: a span per HTTP request (and gRPC call, which is HTTP/2).</summary>
    public const string AspNetCoreSource = "Microsoft.AspNetCore";

    public static IHostApplicationBuilder AddVigilObservability(this IHostApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section);
        builder.Services.AddSingleton<MetricsCollector>();
        builder.Services.AddSingleton<StoreGauges>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));

        // Request paths name patients (/api/v1/patients/{id}/...), so the framework's logs that print raw paths stay off
        // whatever the configured level, the default one included: ASP.NET Core's request start/finish lines and the
        // request scope (RequestPath) it adds to every line of a request, the router's path diagnostics and the binder's
        // echo of a failed parameter's value (docs/observability.md). Vigil's own messages name no patient either.
        // Warning, the shipped level of Microsoft.AspNetCore: at Information the router and the result writer would add
        // four lines to every request.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Routing", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Http", LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Warning);

        // Every log line carries the trace and span of the work it is about, when there is one.
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (string.Equals(options.LogFormat, "simple", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddSimpleConsole(o => o.IncludeScopes = true);
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.FormatterName = ConsoleFormatterNames.Simple);
        }
        else
        {
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.JsonConsoleFormatterOptions>(o => o.IncludeScopes = true);
        }

        // Read when the host is built, so settings added after this call (a test's) count too.
        builder.Services.AddSingleton(sp => Tracing.Start(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TelemetryOptions>>().Value));
        return builder;
    }

    /// <summary>
    /// Names ASP.NET Core's span of each request by its method and route template ("POST /fhir/Observation", "POST
    /// /vigil.v1.IngestService/IngestBatch") and tags it with the method, route and answer status, after OpenTelemetry's
    /// HTTP server conventions. Never the path: it may name a patient. Without this the span is
    /// "Microsoft.AspNetCore.Hosting.HttpRequestIn" with no attributes, whatever the request. Outermost, so the status
    /// is the one the client gets. Not in the pipeline at all when tracing is off.
    /// </summary>
    public static IApplicationBuilder UseVigilRequestSpans(this IApplicationBuilder app)
    {
        if (!app.ApplicationServices.GetRequiredService<Tracing>().Enabled)
        {
            return app;
        }

        return app.Use(async (http, next) =>
        {
            var span = System.Diagnostics.Activity.Current;
            try
            {
                await next(http);
            }
            finally
            {
                if (span is { IsAllDataRequested: true })
                {
                    var route = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText;
                    span.DisplayName = route is null ? http.Request.Method : $"{http.Request.Method} {route}";
                    span.SetTag("http.request.method", http.Request.Method);
                    span.SetTag("http.route", route);
                    span.SetTag("http.response.status_code", http.Response.StatusCode);
                }
            }
        });
    }

    /// <summary>
    /// <c>GET /metrics</c>, anonymous like <c>/health</c>, mapped whatever the roles. Starts the tracer (spans before the
    /// first request count too) and creates the database gauges.
    /// </summary>
    public static IEndpointRouteBuilder MapVigilMetrics(this IEndpointRouteBuilder app)
    {
        app.ServiceProvider.GetRequiredService<Tracing>();
        app.ServiceProvider.GetRequiredService<StoreGauges>();
        var collector = app.ServiceProvider.GetRequiredService<MetricsCollector>();
        app.MapGet("/metrics", async (HttpContext http) =>
        {
            var text = new StringWriter(System.Globalization.CultureInfo.InvariantCulture) { NewLine = "\n" };
            collector.WriteTo(text);
            http.Response.ContentType = PrometheusText.ContentType;
            await http.Response.WriteAsync(text.ToString(), http.RequestAborted);
        }).AllowAnonymous().ExcludeFromDescription();
        return app;
    }
}

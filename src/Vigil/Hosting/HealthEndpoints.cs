using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Vigil.Hosting;

/// <summary>
/// <c>/health/live</c> (the process answers) and <c>/health/ready</c> (each running role and its dependencies; 503 until
/// every one is ready), both anonymous and mapped whatever the roles.
/// </summary>
public static class HealthEndpoints
{
    private static readonly JsonSerializerOptions Json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static IEndpointRouteBuilder MapVigilHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteAsync }).AllowAnonymous();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteAsync }).AllowAnonymous();
        return app;
    }

    private static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = Name(report.Status),
            modules = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = Name(e.Value.Status),
                dependencies = e.Value.Data,
                // Why a module is not ready, or what a module that runs nothing is waiting for.
                detail = e.Value.Description ?? e.Value.Exception?.Message,
            }),
        }, Json);
    }

    private static string Name(HealthStatus status) => status.ToString().ToLowerInvariant();
}

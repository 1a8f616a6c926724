using Vigil.Storage.Audit;

namespace Vigil.Audit;

/// <summary>The audit trail: its store and writer, the middleware that records requests, and its query endpoint.</summary>
public static class AuditModule
{
    public static IHostApplicationBuilder AddVigilAudit(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<AuditStore>();
        builder.Services.AddSingleton<AuditTrail>();
        return builder;
    }

    /// <summary>Records requests; call after authentication (the caller) and before authorization (so refusals are recorded too).</summary>
    public static WebApplication UseVigilAudit(this WebApplication app)
    {
        app.UseMiddleware<RequestAudit>();
        return app;
    }
}

using Microsoft.Extensions.Diagnostics.HealthChecks;
using Vigil.Processing.Analysis;
using Vigil.Processing.Enrichment;
using Vigil.Notifications;
using Vigil.Processing.Events;

namespace Vigil.Hosting.Readiness;

/// <summary><c>/health/ready</c> has one entry per role this process runs, named after the role.</summary>
public static class ReadinessModule
{
    public static IHostApplicationBuilder AddVigilReadiness(this IHostApplicationBuilder builder, Deployment deployment)
    {
        var checks = builder.Services.AddHealthChecks();
        foreach (var role in deployment.Roles)
        {
            checks.Add(new HealthCheckRegistration(Roles.Name(role), sp => new RoleReadinessCheck(sp.GetServices<IReadinessProbe>(), Consumer(sp, role), Workers(sp, role)),
                HealthStatus.Unhealthy, ["ready"]));
        }

        return builder;
    }

    /// <summary>The workers of its own a role needs running besides its consumer.</summary>
    private static IReadOnlyList<WorkerReadiness> Workers(IServiceProvider services, ProcessRole role) => role switch
    {
        ProcessRole.Hl7 => [new WorkerReadiness("listener", services.GetRequiredService<Hl7.Hl7Listener>())],
        ProcessRole.Notify => [new WorkerReadiness("dispatcher", services.GetRequiredService<DeliveryDispatcher>())],
        _ => [],
    };

    /// <summary>The consumer-group member a role runs, if it runs one.</summary>
    private static ConsumerReadiness? Consumer(IServiceProvider services, ProcessRole role) => role switch
    {
        ProcessRole.Enrich => services.GetRequiredService<ReadingEnricher>().Readiness,
        ProcessRole.Analyze => services.GetRequiredService<Analyzer>().Readiness,
        ProcessRole.Process => services.GetRequiredService<EventProcessor>().Readiness,
        ProcessRole.Notify => services.GetRequiredService<Notifier>().Readiness,
        _ => null,
    };
}

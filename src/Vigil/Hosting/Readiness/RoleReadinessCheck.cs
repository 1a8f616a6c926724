using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Vigil.Hosting.Readiness;

/// <summary>
/// One running role's readiness: every dependency probe (database, log), for a consuming role its consumer-group
/// member, and the role's own workers (listener, dispatcher). Ready only when all are.
/// </summary>
internal sealed class RoleReadinessCheck(IEnumerable<IReadinessProbe> probes, ConsumerReadiness? consumer, IReadOnlyList<WorkerReadiness>? workers = null) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var dependencies = new Dictionary<string, object>();
        var errors = new List<string>();
        var ready = true;
        foreach (var probe in probes)
        {
            var result = await probe.CheckAsync(cancellationToken);
            dependencies[probe.Dependency] = result.State;
            ready &= result.Ready;
            if (result.Error is not null)
            {
                errors.Add(result.Error);
            }
        }

        if (consumer is not null)
        {
            dependencies["consumer"] = consumer.State;
            ready &= consumer.Ready;
        }

        foreach (var worker in workers ?? [])
        {
            var (workerReady, state, workerError) = worker.Check();
            dependencies[worker.Dependency] = state;
            ready &= workerReady;
            if (workerError is not null)
            {
                errors.Add(workerError);
            }
        }

        var error = errors.Count == 0 ? null : string.Join("; ", errors);
        return ready ? HealthCheckResult.Healthy(null, dependencies) : HealthCheckResult.Unhealthy(error, data: dependencies);
    }
}

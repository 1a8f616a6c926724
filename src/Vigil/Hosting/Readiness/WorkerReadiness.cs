namespace Vigil.Hosting.Readiness;

/// <summary>
/// A module's own worker as a dependency of its readiness (the hl7 role's MLLP listener, the notify role's webhook
/// dispatcher): "running" while its background task runs, "starting" before, "stopped" or "failed" after.
/// </summary>
internal sealed record WorkerReadiness(string Dependency, BackgroundService Worker)
{
    public (bool Ready, string State, string? Error) Check() => Worker.ExecuteTask switch
    {
        null => (false, "starting", null),
        { IsFaulted: true } t => (false, "failed", $"{Dependency}: {t.Exception?.InnerException?.Message}"),
        { IsCompleted: true } => (false, "stopped", null),
        _ => (true, "running", null),
    };
}

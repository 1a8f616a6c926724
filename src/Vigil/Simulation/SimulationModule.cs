using Vigil.Hosting;

namespace Vigil.Simulation;

/// <summary>
/// Demo mode (<c>serve --demo</c>, setting <c>Vigil:Demo</c>): a simulated ward fed through Vigil's own HTTP ingest
/// on loopback, and the control API at <c>/api/v1/simulator</c> to start, stop and change its patients' courses.
/// </summary>
public static class SimulationModule
{
    public const string DemoSetting = $"{VigilOptions.Section}:Demo";

    public static bool DemoEnabled(IConfiguration configuration) => configuration.GetValue<bool>(DemoSetting);

    public static void AddVigilDemo(this WebApplicationBuilder builder, Deployment deployment)
    {
        if (!DemoEnabled(builder.Configuration))
        {
            return;
        }

        if (!deployment.Runs(Module.IngestEndpoints) || !deployment.Runs(Module.ApiEndpoints))
        {
            throw new StartupException("--demo needs the ingest and api roles in this process (run it with all roles)");
        }

        builder.Services.AddSingleton<DemoWard>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DemoWard>());
    }

    public static void MapVigilSimulator(this WebApplication app)
    {
        if (DemoEnabled(app.Configuration))
        {
            app.MapSimulator();
        }
    }
}

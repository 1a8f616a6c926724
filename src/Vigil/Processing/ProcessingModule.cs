using Vigil.Hosting;
using Vigil.Processing.Alerts;
using Vigil.Processing.Analysis;
using Vigil.Processing.Enrichment;
using Vigil.Processing.Events;
using Vigil.Processing.Events.Handlers;

namespace Vigil.Processing;

/// <summary>
/// The stream-processing modules: their stores and options always (the API's queries read them), their hosted services
/// only for the roles this process runs (<see cref="Roles"/>).
/// </summary>
public static class ProcessingModule
{
    public static IHostApplicationBuilder AddVigilProcessing(this IHostApplicationBuilder builder, Deployment deployment)
    {
        builder.Services.AddOptions<AlertOptions>().BindConfiguration(AlertOptions.Section)
            .Validate(o => o.AutoResolveAfter >= TimeSpan.Zero, "Alerts:AutoResolveAfter must not be negative")
            .Validate(o => o.SweepInterval > TimeSpan.Zero, "Alerts:SweepInterval must be positive").ValidateOnStart();
        builder.Services.AddSingleton<ReadingEnricher>();
        if (deployment.Runs(Module.ReadingEnricher))
        {
            builder.Services.AddHostedService(sp => sp.GetRequiredService<ReadingEnricher>());
        }

        builder.Services.AddOptions<AnalysisOptions>().BindConfiguration(AnalysisOptions.Section)
            .Validate(o => o.AllowedLateness >= TimeSpan.Zero, "Analysis:AllowedLateness must not be negative").ValidateOnStart();
        builder.Services.AddSingleton<WindowStore>();
        builder.Services.AddSingleton<WindowAggregator>();
        builder.Services.AddSingleton<News2Scorer>();
        builder.Services.AddSingleton<ThresholdEvaluator>();
        builder.Services.AddSingleton<BaselineStore>();
        builder.Services.AddSingleton<BaselineTracker>();
        builder.Services.AddSingleton<Analyzer>();
        if (deployment.Runs(Module.Analyzer))
        {
            builder.Services.AddHostedService(sp => sp.GetRequiredService<Analyzer>());
        }

        builder.Services.AddSingleton<AlertSweeper>();
        if (deployment.Runs(Module.AlertSweeper))
        {
            builder.Services.AddHostedService(sp => sp.GetRequiredService<AlertSweeper>());
        }

        builder.AddVigilEventProcessing(deployment);
        return builder;
    }

    /// <summary>The process role and its handlers, one per event type; another handler is one more registration.</summary>
    private static void AddVigilEventProcessing(this IHostApplicationBuilder builder, Deployment deployment)
    {
        builder.Services.AddSingleton<IEventHandler, AdmissionHandler>();
        builder.Services.AddSingleton<IEventHandler, TransferHandler>();
        builder.Services.AddSingleton<IEventHandler, DischargeHandler>();
        builder.Services.AddSingleton<IEventHandler, EventAlertHandler>();
        builder.Services.AddSingleton<IEventHandler, TimelineHandler>();
        builder.Services.AddSingleton<EventProcessor>();
        if (deployment.Runs(Module.EventProcessor))
        {
            builder.Services.AddHostedService(sp => sp.GetRequiredService<EventProcessor>());
        }
    }
}

using Vigil.Processing.Analysis;
using Vigil.Processing.Enrichment;
using Vigil.Processing.Events;
using Vigil.Processing.Events.Handlers;

namespace Vigil.Processing;

/// <summary>The stream-processing roles that run in this process.</summary>
public static class ProcessingModule
{
    public static IHostApplicationBuilder AddVigilProcessing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHostedService<ReadingEnricher>();
        builder.Services.AddHostedService<News2Scorer>();
        builder.Services.AddOptions<AnalysisOptions>().BindConfiguration(AnalysisOptions.Section)
            .Validate(o => o.AllowedLateness >= TimeSpan.Zero, "Analysis:AllowedLateness must not be negative").ValidateOnStart();
        builder.Services.AddSingleton<WindowStore>();
        builder.Services.AddHostedService<WindowAggregator>();
        builder.AddVigilEventProcessing();
        return builder;
    }

    /// <summary>The process role and its handlers, one per event type; another handler is one more registration.</summary>
    private static void AddVigilEventProcessing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IEventHandler, AdmissionHandler>();
        builder.Services.AddSingleton<IEventHandler, TransferHandler>();
        builder.Services.AddSingleton<IEventHandler, DischargeHandler>();
        builder.Services.AddSingleton<IEventHandler, FallDetectedHandler>();
        builder.Services.AddSingleton<IEventHandler, NurseCallHandler>();
        builder.Services.AddSingleton<IEventHandler, TimelineHandler>();
        builder.Services.AddSingleton<EventProcessor>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventProcessor>());
    }
}

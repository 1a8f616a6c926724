using Vigil.Processing.Analysis;
using Vigil.Processing.Enrichment;

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
        return builder;
    }
}

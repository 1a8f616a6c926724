using Vigil.Insights.Llm;
using Vigil.Insights.Questions;
using Vigil.Insights.Summary;
using Vigil.Storage.Goals;

namespace Vigil.Insights;

/// <summary>Health goals, patient summaries and questions: stores and services the api role's endpoints use.</summary>
public static class InsightsModule
{
    public static IHostApplicationBuilder AddVigilInsights(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.Section)
            .Validate(o => !o.Configured || (Uri.TryCreate(o.Endpoint, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps)),
                "Vigil:Llm:Endpoint must be an absolute http or https URL")
            .Validate(o => o.Timeout > TimeSpan.Zero, "Vigil:Llm:Timeout must be positive")
            .Validate(o => o.BreakerMinimumThroughput >= 2, "Vigil:Llm:BreakerMinimumThroughput must be at least 2")
            .Validate(o => o.BreakerSamplingDuration >= TimeSpan.FromMilliseconds(500), "Vigil:Llm:BreakerSamplingDuration must be at least 500 ms")
            .Validate(o => o.BreakDuration >= TimeSpan.FromMilliseconds(500), "Vigil:Llm:BreakDuration must be at least 500 ms")
            .ValidateOnStart();
        builder.Services.AddSingleton<GoalStore>();
        builder.Services.AddSingleton<LlmClient>();
        builder.Services.AddSingleton<LlmQuestionParser>();
        builder.Services.AddSingleton<QuestionAnswerer>();
        builder.Services.AddSingleton<SummaryFactsReader>();
        builder.Services.AddSingleton<PatientSummaries>();
        return builder;
    }

    /// <summary>The endpoints of health goals, patient summaries and questions (api role).</summary>
    public static void MapVigilInsights(this IEndpointRouteBuilder app)
    {
        app.MapHealthGoals();
        app.MapAsk();
        app.MapPatientSummary();
    }
}

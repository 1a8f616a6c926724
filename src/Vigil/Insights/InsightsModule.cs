using Vigil.Storage.Goals;

namespace Vigil.Insights;

/// <summary>Health goals, patient summaries and questions: stores and services the api role's endpoints use.</summary>
public static class InsightsModule
{
    public static IHostApplicationBuilder AddVigilInsights(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GoalStore>();
        return builder;
    }

    /// <summary>The endpoints of health goals, patient summaries and questions (api role).</summary>
    public static void MapVigilInsights(this IEndpointRouteBuilder app)
    {
        app.MapHealthGoals();
    }
}

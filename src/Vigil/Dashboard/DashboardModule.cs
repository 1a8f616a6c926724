using Microsoft.AspNetCore.Authentication;
using Vigil.Hosting;

namespace Vigil.Dashboard;

/// <summary>
/// The web dashboard (docs/dashboard.md), part of the api role: its assets, the stream tokens' authentication scheme,
/// the live feed and, on PostgreSQL, the listener that brings other processes' changes to it.
/// </summary>
public static class DashboardModule
{
    public static IHostApplicationBuilder AddVigilDashboard(this IHostApplicationBuilder builder, Deployment deployment)
    {
        builder.Services.AddSingleton<DashboardAssets>();
        builder.Services.AddSingleton<WardTiles>();
        builder.Services.AddSingleton<StreamTokens>();
        builder.Services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, StreamTokenAuthenticationHandler>(StreamTokenAuthenticationHandler.SchemeName, null);
        builder.Services.AddSingleton<LiveFeed>();
        if (deployment.Runs(Module.ApiEndpoints))
        {
            builder.Services.AddHostedService(sp => sp.GetRequiredService<LiveFeed>());
            if (deployment.Storage == StorageKind.Postgres)
            {
                builder.Services.AddSingleton<PostgresChangeListener>();
                builder.Services.AddHostedService(sp => sp.GetRequiredService<PostgresChangeListener>());
            }
        }

        return builder;
    }
}

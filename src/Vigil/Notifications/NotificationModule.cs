using Vigil.Hosting;
using Vigil.Storage.Notifications;

namespace Vigil.Notifications;

/// <summary>
/// Alert webhooks: the subscription and delivery stores always (the API serves them), the notify consumer group and
/// the dispatcher when this process runs the notify role.
/// </summary>
public static class NotificationModule
{
    public static IHostApplicationBuilder AddVigilNotifications(this IHostApplicationBuilder builder, Deployment deployment)
    {
        builder.Services.AddSingleton<SubscriptionStore>();
        builder.Services.AddSingleton<DeliveryStore>();
        if (deployment.Runs(Module.Notifier))
        {
            builder.Services.AddOptions<NotificationOptions>().BindConfiguration(NotificationOptions.Section)
                .Validate(o => o.MaxAttempts >= 1, "Notifications:MaxAttempts must be at least 1")
                .Validate(o => o.FirstRetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.FirstRetryDelay,
                    "Notifications:FirstRetryDelay must be positive and MaxRetryDelay at least as long")
                .Validate(o => o.AttemptTimeout > TimeSpan.Zero, "Notifications:AttemptTimeout must be positive")
                .Validate(o => o.BreakerMinimumThroughput >= 2, "Notifications:BreakerMinimumThroughput must be at least 2")
                .Validate(o => o.BreakerSamplingDuration >= TimeSpan.FromMilliseconds(500), "Notifications:BreakerSamplingDuration must be at least 500 ms")
                .Validate(o => o.BreakDuration >= TimeSpan.FromMilliseconds(500), "Notifications:BreakDuration must be at least 500 ms")
                .Validate(o => o.MaxInFlightPerSubscription >= 1, "Notifications:MaxInFlightPerSubscription must be at least 1")
                .Validate(o => o.Lease > o.AttemptTimeout, "Notifications:Lease must be longer than AttemptTimeout")
                .Validate(o => o.PollInterval > TimeSpan.Zero, "Notifications:PollInterval must be positive")
                .ValidateOnStart();
            builder.Services.AddSingleton<EndpointPipelines>();
            builder.Services.AddSingleton<DeliveryDispatcher>();
            builder.Services.AddSingleton<Notifier>();
            builder.Services.AddHostedService(sp => sp.GetRequiredService<Notifier>());
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryDispatcher>());
        }

        return builder;
    }
}

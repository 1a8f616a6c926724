using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Notifications;

/// <summary>
/// A server whose webhook settings suit tests: short retry delays (50 ms doubling up to 300 ms), four attempts, a one
/// second attempt timeout, and a circuit that opens after five failures and stays open for 30 s, so one delivery's
/// retries alone never open it and an open circuit stays open for the rest of a test.
/// </summary>
public class NotificationServerFixture : ServerFixture
{
    public static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(1);

    public NotificationServerFixture()
        : this(new EmbeddedStores())
    {
    }

    protected NotificationServerFixture(IVigilStores stores)
        : base(stores)
    {
    }

    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Notifications:MaxAttempts"] = "4",
            ["Notifications:FirstRetryDelay"] = "00:00:00.050",
            ["Notifications:MaxRetryDelay"] = "00:00:00.300",
            ["Notifications:AttemptTimeout"] = AttemptTimeout.ToString(),
            ["Notifications:BreakerMinimumThroughput"] = "5",
            ["Notifications:BreakerSamplingDuration"] = "00:01:00",
            ["Notifications:BreakDuration"] = "00:00:30",
            ["Notifications:PollInterval"] = "00:00:00.200",
            ["Notifications:Lease"] = "00:00:30",
        });
}

/// <summary>The server of <see cref="NotificationServerFixture"/> in distributed mode (PostgreSQL and Kafka).</summary>
public sealed class DistributedNotificationServerFixture() : NotificationServerFixture(new DistributedStores());

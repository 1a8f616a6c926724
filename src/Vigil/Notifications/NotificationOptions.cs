namespace Vigil.Notifications;

/// <summary>How the notify role sends webhooks (section <c>Notifications</c>).</summary>
public sealed class NotificationOptions
{
    public const string Section = "Notifications";

    /// <summary>Tries per delivery (the first and its retries) before it fails for good; a failed one can be redelivered.</summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>The first retry's delay; each further retry doubles it (with jitter), up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long one POST may take, answer included, before it counts as failed.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The endpoint's circuit opens when at least half of this many or more attempts within <see cref="BreakerSamplingDuration"/> failed.</summary>
    public int BreakerMinimumThroughput { get; set; } = 10;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses attempts before one is let through to probe the endpoint.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deliveries of one subscription in flight at once (each a different patient).</summary>
    public int MaxInFlightPerSubscription { get; set; } = 8;

    /// <summary>
    /// How long a dispatcher holds a delivery it took (renewed at each retry); another dispatcher takes it over when it
    /// lapses (the holder stopped).
    /// </summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How often the dispatcher looks for due deliveries without being woken: deliveries this process did not record
    /// (another replica's lapsed lease, a redelivery asked of another process).
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

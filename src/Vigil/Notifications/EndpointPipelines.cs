using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace Vigil.Notifications;

/// <summary>An attempt that reached the endpoint and got an answer other than 2xx.</summary>
public sealed class WebhookRejectedException(int status) : Exception($"the endpoint answered {status}")
{
    public int Status { get; } = status;
}

/// <summary>
/// One Polly pipeline per endpoint URL, so one endpoint's failures open only its own circuit: retries with exponential
/// backoff and jitter around a circuit breaker around a per-attempt timeout.
/// </summary>
public sealed class EndpointPipelines(IOptions<NotificationOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (ResiliencePipeline Pipeline, CircuitBreakerStateProvider State)> _pipelines = new();

    /// <summary>Called after each failed attempt with its number (1-based) and the delay before the next.</summary>
    public delegate ValueTask RetryObserver(int attempt, Exception failure, TimeSpan delay);

    public ResiliencePipeline For(string url) => Get(url).Pipeline;

    /// <summary>The endpoint's circuit: closed, open, half-open (isolated is not used); closed for an endpoint not tried yet.</summary>
    public CircuitState State(string url) => _pipelines.TryGetValue(url, out var p) ? p.State.CircuitState : CircuitState.Closed;

    /// <summary>The key that carries the retry observer of one delivery through the shared pipeline.</summary>
    public static readonly ResiliencePropertyKey<RetryObserver> Observer = new("vigil.notify.observer");

    private (ResiliencePipeline Pipeline, CircuitBreakerStateProvider State) Get(string url) => _pipelines.GetOrAdd(url, _ =>
    {
        var o = options.Value;
        var state = new CircuitBreakerStateProvider();
        var failures = new PredicateBuilder()
            .Handle<HttpRequestException>().Handle<WebhookRejectedException>().Handle<TimeoutRejectedException>();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder()
                    .Handle<HttpRequestException>().Handle<WebhookRejectedException>().Handle<TimeoutRejectedException>()
                    .Handle<BrokenCircuitException>(),
                MaxRetryAttempts = o.MaxAttempts - 1,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.FirstRetryDelay,
                MaxDelay = o.MaxRetryDelay,
                OnRetry = args => args.Context.Properties.TryGetValue(Observer, out var observer) && args.Outcome.Exception is { } e
                    ? observer(args.AttemptNumber + 1, e, args.RetryDelay)
                    : default,
            })
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = failures,
                FailureRatio = 0.5,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = o.BreakerSamplingDuration,
                BreakDuration = o.BreakDuration,
                StateProvider = state,
            })
            .AddTimeout(o.AttemptTimeout)
            .Build();
        return (pipeline, state);
    });
}

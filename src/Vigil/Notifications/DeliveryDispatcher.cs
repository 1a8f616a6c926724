using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using Vigil.Domain.Diagnostics;
using Polly;
using Polly.CircuitBreaker;
using Vigil.Hosting.Readiness;
using Vigil.Storage.Notifications;
using Vigil.Storage.Writes;

namespace Vigil.Notifications;

/// <summary>
/// Sends pending deliveries. Each delivery is its own task through its endpoint's pipeline (<see cref="EndpointPipelines"/>),
/// so a slow or dead endpoint holds up only its own deliveries. One patient's deliveries to one subscription go one at a
/// time, in order: the next is taken only once the one before is delivered or has failed for good. A delivery is
/// leased in the database while in flight, so replicas of the notify role never send the same one at once.
/// Delivery is at least once: a receiver drops repeats by <c>deliveryId</c>.
/// </summary>
public sealed class DeliveryDispatcher(
    DeliveryStore store, Writers writers, EndpointPipelines pipelines, IOptions<NotificationOptions> options, TimeProvider clock,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    public const string WriterName = "notify-dispatch";

    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // each attempt's limit is the pipeline's timeout
    };

    private readonly ConcurrentDictionary<(string Subscription, string Patient), string> _inFlight = new();
    private readonly ConcurrentDictionary<string, int> _perSubscription = new();
    private readonly Lock _wakeLock = new();
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GroupCommitter Writer => writers.For(WriterName);

    /// <summary>"assigned" while the dispatcher runs; <c>/health/ready</c> reports it with the notify consumer.</summary>
    public ConsumerReadiness Readiness { get; } = new();

    /// <summary>New deliveries are due (recorded, redelivered, or a lane freed): look now rather than at the next poll.</summary>
    public void Wake()
    {
        lock (_wakeLock)
        {
            _wake.TrySetResult();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Readiness.Assigned();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Task woken;
                lock (_wakeLock)
                {
                    if (_wake.Task.IsCompleted)
                    {
                        _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    woken = _wake.Task;
                }

                try
                {
                    await DispatchDueAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Looking for due webhook deliveries failed; trying again");
                }

                try
                {
                    await woken.WaitAsync(options.Value.PollInterval, clock, stoppingToken);
                }
                catch (TimeoutException)
                {
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Readiness.Stopped();
        }
    }

    private async Task DispatchDueAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var busy = _perSubscription.Where(p => p.Value >= o.MaxInFlightPerSubscription).Select(p => p.Key).ToList();
        var due = await store.DueAsync(clock.GetUtcNow(), busy, 500, stoppingToken);
        foreach (var delivery in due)
        {
            var lane = (delivery.SubscriptionId, delivery.PatientKey);
            if (_inFlight.ContainsKey(lane) || _perSubscription.GetValueOrDefault(delivery.SubscriptionId) >= o.MaxInFlightPerSubscription)
            {
                continue;
            }

            var claimed = await Writer.WriteAsync(ctx => DeliveryStore.Claim(ctx, delivery.Id, ctx.Now + o.Lease), stoppingToken);
            if (!claimed)
            {
                continue;
            }

            _inFlight[lane] = delivery.Id;
            _perSubscription.AddOrUpdate(delivery.SubscriptionId, 1, (_, n) => n + 1);
            _ = Task.Run(() => SendAsync(delivery, stoppingToken), CancellationToken.None);
        }
    }

    private async Task SendAsync(DueDelivery delivery, CancellationToken stoppingToken)
    {
        var o = options.Value;
        var attempts = delivery.Attempts;
        var started = Stopwatch.GetTimestamp();
        // The delivery continues the trace of the alert transition (and so of the reading) it comes from; HttpClient
        // sends this span's context to the receiver in the traceparent header.
        using var span = DeliverySpan(delivery);
        var context = ResilienceContextPool.Shared.Get(stoppingToken);
        context.Properties.Set(EndpointPipelines.Observer, async (attempt, failure, delay) =>
        {
            attempts = delivery.Attempts + attempt;
            await Writer.WriteAsync(ctx => DeliveryStore.Attempted(ctx, delivery.Id, attempts, Describe(failure), StatusOf(failure), ctx.Now + delay + o.Lease),
                stoppingToken);
        });
        try
        {
            var status = await pipelines.For(delivery.Url).ExecuteAsync(async ctx => await PostAsync(delivery, ctx.CancellationToken), context);
            await Writer.WriteAsync(ctx => DeliveryStore.Finished(ctx, delivery.Id, true, attempts + 1, null, status), CancellationToken.None);
            Observability.StageMetrics.WebhookFinished(delivered: true);
            Observability.StageMetrics.Completed("deliver", Stopwatch.GetElapsedTime(started), 1);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the lease lapses and this or another dispatcher sends it again.
        }
        catch (Exception e)
        {
            logger.LogWarning("Webhook delivery {Delivery} to subscription {Subscription} failed after {Attempts} attempts: {Error}",
                delivery.Id, delivery.SubscriptionId, attempts + 1, Describe(e));
            try
            {
                await Writer.WriteAsync(ctx => DeliveryStore.Finished(ctx, delivery.Id, false, attempts + 1, Describe(e), StatusOf(e)), CancellationToken.None);
                Observability.StageMetrics.WebhookFinished(delivered: false);
                span?.SetStatus(ActivityStatusCode.Error, Describe(e));
            }
            catch (Exception write)
            {
                logger.LogError(write, "Recording the failure of webhook delivery {Delivery} failed; it is sent again once its lease lapses", delivery.Id);
            }
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
            _inFlight.TryRemove((delivery.SubscriptionId, delivery.PatientKey), out _);
            _perSubscription.AddOrUpdate(delivery.SubscriptionId, 0, (_, n) => n - 1);
            Wake();
        }
    }

    private static Activity? DeliverySpan(DueDelivery delivery)
    {
        if (delivery.TraceParent is null || !VigilTelemetry.Source.HasListeners() || !ActivityContext.TryParse(delivery.TraceParent, null, out var parent))
        {
            return null;
        }

        var span = VigilTelemetry.Source.StartActivity("webhook", ActivityKind.Client, parent);
        span?.SetTag("vigil.delivery.id", delivery.Id);
        span?.SetTag("vigil.subscription.id", delivery.SubscriptionId);
        span?.SetTag("vigil.event", delivery.EventType);
        return span;
    }

    private async ValueTask<int> PostAsync(DueDelivery delivery, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(delivery.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Headers.Add(WebhookSignature.Header, WebhookSignature.For(delivery.Secret, body));
        request.Headers.Add("X-Vigil-Delivery", delivery.Id);
        request.Headers.Add("X-Vigil-Event", delivery.EventType);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Vigil-Webhooks", "1"));
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var status = (int)response.StatusCode;
        return status is >= 200 and < 300 ? status : throw new WebhookRejectedException(status);
    }

    private static int? StatusOf(Exception e) => e is WebhookRejectedException r ? r.Status : null;

    private static string Describe(Exception e) => e switch
    {
        WebhookRejectedException r => r.Message,
        BrokenCircuitException => "circuit open: the endpoint failed too often recently",
        Polly.Timeout.TimeoutRejectedException => "timed out",
        HttpRequestException h => "request failed: " + h.Message,
        _ => e.Message,
    };

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}

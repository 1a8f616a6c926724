using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using Vigil.Grpc;

namespace Vigil.Security.RateLimits;

/// <summary>
/// ASP.NET Core's rate limiter in front of every authenticated endpoint (HTTP, FHIR, gRPC, the dashboard's API): a
/// partitioned token bucket per caller, chained with one per customer. The key's bucket is asked first, so a key
/// refused by its own limit takes nothing from its customer's. Anonymous requests (health, a missing key) are not
/// limited here: they are refused or cheap.
/// </summary>
public static class RateLimitModule
{
    public static IHostApplicationBuilder AddVigilRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations()
            .Validate(o => o.PerKey.Period > TimeSpan.Zero && o.PerCustomer.Period > TimeSpan.Zero, "Vigil:RateLimits periods must be positive")
            .ValidateOnStart();
        builder.Services.AddRateLimiter(_ => { });
        builder.Services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, settings) =>
        {
            var o = settings.Value;
            if (!o.Enabled)
            {
                return;
            }

            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                Partitioned(o.PerKey, http => http.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value),
                Partitioned(o.PerCustomer, http => http.User.FindFirst(Caller.CustomerClaim)?.Value));
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) => new ValueTask(RejectAsync(context.HttpContext, RetryAfter(context.Lease, o)));
        });
        return builder;
    }

    /// <summary>Adds the limiter to the pipeline; call after authentication, which names the caller it partitions by.</summary>
    public static WebApplication UseVigilRateLimits(this WebApplication app)
    {
        app.UseRateLimiter();
        return app;
    }

    private static PartitionedRateLimiter<HttpContext> Partitioned(RateLimitOptions.TokenBucket bucket, Func<HttpContext, string?> partition) =>
        PartitionedRateLimiter.Create<HttpContext, string>(http => partition(http) is { } key
            ? RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = bucket.Burst,
                TokensPerPeriod = bucket.TokensPerPeriod,
                ReplenishmentPeriod = bucket.Period,
                AutoReplenishment = true,
                // A request over the limit is refused at once, never queued: a queue would only hide the overload.
                QueueLimit = 0,
            })
            : RateLimitPartition.GetNoLimiter(""));

    /// <summary>Whole seconds until a token is back, from the refused lease (RFC 9110 Retry-After takes seconds).</summary>
    internal static int RetryAfter(RateLimitLease lease, RateLimitOptions options)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? retryAfter
            : options.PerKey.Period > options.PerCustomer.Period ? options.PerKey.Period : options.PerCustomer.Period;
        return Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
    }

    private static Task RejectAsync(HttpContext http, int retryAfterSeconds)
    {
        var seconds = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        http.Response.Headers.RetryAfter = seconds;
        var detail = $"This API key or its customer has sent more requests than its rate limit allows; retry after {seconds} s.";
        if (http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true)
        {
            // gRPC clients read the status, not the HTTP code: a trailers-only answer with RESOURCE_EXHAUSTED.
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "application/grpc";
            http.Response.Headers["grpc-status"] = ((int)GrpcStatusCode.ResourceExhausted).ToString(CultureInfo.InvariantCulture);
            http.Response.Headers["grpc-message"] = GrpcMessage.Encode(detail);
            return http.Response.CompleteAsync();
        }

        return Problems.Write(http, StatusCodes.Status429TooManyRequests, "Too many requests", detail);
    }
}

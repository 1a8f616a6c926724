using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Security;

/// <summary>
/// A server whose rate limits are small enough to reach in a test: 10 requests per key, 15 per customer, per 30 s (long
/// enough that a loaded machine runs the whole sequence inside one window).
/// </summary>
public sealed class RateLimitServerFixture : ServerFixture
{
    public const int KeyLimit = 10;
    public const int CustomerLimit = 15;

    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vigil:RateLimits:PerKey:Burst"] = $"{KeyLimit}",
            ["Vigil:RateLimits:PerKey:TokensPerPeriod"] = $"{KeyLimit}",
            ["Vigil:RateLimits:PerKey:Period"] = "00:00:30",
            ["Vigil:RateLimits:PerCustomer:Burst"] = $"{CustomerLimit}",
            ["Vigil:RateLimits:PerCustomer:TokensPerPeriod"] = $"{CustomerLimit}",
            ["Vigil:RateLimits:PerCustomer:Period"] = "00:00:30",
        });
}

/// <summary>
/// Rate limits on a real server: a key over its limit gets 429 problem+json with Retry-After, another key of its
/// customer is held by the customer's limit, another customer is not affected, and after Retry-After the key is served
/// again. The limiter lives in the process (an ingest replica limits what it serves), so one mode shows it.
/// </summary>
public sealed class RateLimitTests(RateLimitServerFixture fixture) : IClassFixture<RateLimitServerFixture>
{
    private const string Path = "/api/v1/patients";

    [Fact]
    public async Task A_key_over_its_limit_gets_429_with_Retry_After_its_customer_limit_holds_its_other_keys_and_other_customers_go_on()
    {
        var server = fixture.Server;
        var adminKey = await server.CreateCustomerAsync("rl-a");
        var deviceKey = await server.CreateKeyAsync("rl-a", "viewer");
        var otherKey = await server.CreateCustomerAsync("rl-b");
        using var admin = server.Client(adminKey);
        using var viewer = server.Client(deviceKey);
        using var other = server.Client(otherKey);

        for (var i = 0; i < RateLimitServerFixture.KeyLimit; i++)
        {
            (await admin.Get(Path)).StatusCode.ShouldBe(HttpStatusCode.OK, $"request {i + 1} of the key's {RateLimitServerFixture.KeyLimit}");
        }

        var refused = await admin.Get(Path);
        var problem = await refused.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        problem.GetProperty("detail").GetString()!.ShouldContain("rate limit");
        var retryAfter = refused.Headers.RetryAfter?.Delta ?? throw new ShouldAssertException("429 without a Retry-After in seconds");
        retryAfter.ShouldBeInRange(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        var refusedAt = Stopwatch.StartNew();

        // The key's refused request took nothing from the customer: its other key gets the customer's remaining 5.
        for (var i = 0; i < RateLimitServerFixture.CustomerLimit - RateLimitServerFixture.KeyLimit; i++)
        {
            (await viewer.Get(Path)).StatusCode.ShouldBe(HttpStatusCode.OK, $"request {i + 1} of the customer's remaining");
        }

        var held = await viewer.Get(Path);
        await held.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        held.Headers.RetryAfter?.Delta.ShouldNotBeNull();

        (await other.Get(Path)).StatusCode.ShouldBe(HttpStatusCode.OK, "another customer has buckets of its own");
        (await admin.Get(Path)).StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, "still within the window");

        // Once Retry-After has passed the key is served again: polled with a deadline, never a fixed sleep.
        var deadline = retryAfter + TimeSpan.FromSeconds(5);
        HttpStatusCode status;
        do
        {
            await Task.Delay(100, Http.Ct);
            status = (await admin.Get(Path)).StatusCode;
        }
        while (status == HttpStatusCode.TooManyRequests && refusedAt.Elapsed < deadline);

        status.ShouldBe(HttpStatusCode.OK, $"served again within Retry-After ({retryAfter.TotalSeconds} s) and a 5 s margin");
    }

    [Fact]
    public async Task Requests_without_a_key_are_not_counted_against_anyone()
    {
        using var anonymous = fixture.Server.Client();
        for (var i = 0; i < RateLimitServerFixture.KeyLimit + 5; i++)
        {
            (await anonymous.Get("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        }
    }
}

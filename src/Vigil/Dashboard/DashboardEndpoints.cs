using System.Text.Json;
using Microsoft.Extensions.Options;
using Vigil.Api;
using Vigil.Domain;
using Vigil.Domain.Reference;
using Vigil.Security;
using Vigil.Storage.Reference;

namespace Vigil.Dashboard;

/// <summary>
/// The web dashboard: its page and assets at <c>/</c> (no key: they hold no data), and the three calls only it needs,
/// under <c>/api/v1/dashboard</c>: who the key is, a ward's tiles, and the live stream of tile and alert changes
/// (Server-Sent Events). Everything else the page reads through the ordinary API.
/// </summary>
public static class DashboardEndpoints
{
    /// <summary>
    /// A stream ends after this long, or when a person's bearer token stops being accepted if that is sooner; the page
    /// opens a new one with a fresh token, so a revoked key's stream does not outlive it by more, and an expired token's not at all.
    /// </summary>
    public static readonly TimeSpan StreamLifetime = TimeSpan.FromMinutes(15);

    /// <summary>A comment line this often keeps proxies from closing a quiet stream.</summary>
    public static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public sealed record SessionView(string KeyId, string Role, string CustomerId, bool CanAct, bool CanManage);

    public sealed record WardView(string? DepartmentId, IReadOnlyList<WardTile> Items);

    public sealed record TokenView(string Token, DateTimeOffset ExpiresAt);

    public static void MapVigilDashboard(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (HttpContext http, DashboardAssets assets) => assets.Serve(http, "index.html")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/app.js", (HttpContext http, DashboardAssets assets) => assets.Serve(http, "app.js")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/app.css", (HttpContext http, DashboardAssets assets) => assets.Serve(http, "app.css")).AllowAnonymous().ExcludeFromDescription();

        var group = app.MapGroup("/api/v1/dashboard").WithTags("Dashboard");
        group.MapGet("/session", (HttpContext http) =>
        {
            var caller = Caller.From(http.User);
            return TypedResults.Ok(new SessionView(caller.Id, caller.Role, caller.Tenant,
                caller.Role is Role.Admin or Role.Clinician, caller.Role == Role.Admin));
        }).RequireAuthorization(Access.Read);
        group.MapGet("/ward", WardAsync).RequireAuthorization(Access.Read).Produces<WardView>().ProducesProblem(404).ProducesProblem(422);
        group.MapPost("/stream-tokens", (HttpContext http, StreamTokens tokens) =>
        {
            var (token, expires) = tokens.Issue(Caller.From(http.User), Caller.AcceptedUntil(http.User));
            return TypedResults.Ok(new TokenView(token, expires));
        }).RequireAuthorization(Access.Read);
        group.MapGet("/stream", StreamAsync).RequireAuthorization(Access.Stream).Produces(200, contentType: "text/event-stream");
    }

    private static async Task<IResult> WardAsync(
        HttpContext http, WardTiles tiles, ReferenceStore reference, string? departmentId, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        FieldRules.Id(departmentId, "departmentId", errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var tenant = Caller.From(http.User).Tenant;
        if (departmentId is not null && await reference.GetDepartmentAsync(tenant, departmentId) is null)
        {
            return Problems.NotFound($"Department '{departmentId}'");
        }

        return TypedResults.Ok(new WardView(departmentId, await tiles.WardAsync(tenant, departmentId, cancellationToken)));
    }

    /// <summary>
    /// <c>text/event-stream</c>: <c>hello</c> once subscribed (read the ward after it, and nothing is missed), then
    /// <c>tile</c> with a patient's whole tile each time it changes and <c>alerts</c> when their open alerts change.
    /// </summary>
    private static async Task StreamAsync(HttpContext http, LiveFeed feed, TimeProvider clock, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
    {
        var tenant = Caller.From(http.User).Tenant;
        var options = json.Value.SerializerOptions;
        var response = http.Response;
        DashboardAssets.Headers(response);
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        response.Headers["X-Accel-Buffering"] = "no";
        using var lifetime = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        var left = Caller.AcceptedUntil(http.User) is { } until ? until - clock.GetUtcNow() : StreamLifetime;
        lifetime.CancelAfter(TimeSpan.FromTicks(Math.Clamp(left.Ticks, 0, StreamLifetime.Ticks)));
        var ct = lifetime.Token;
        using var subscription = feed.Subscribe(tenant);
        try
        {
            await response.WriteAsync("retry: 1000\n", ct);
            await WriteAsync(response, "hello", JsonSerializer.Serialize(new { at = DateTimeOffset.UtcNow }, options), ct);
            // One pending read and one keep-alive timer at a time, however many events flow.
            Task<bool>? ready = null;
            Task? keepAlive = null;
            while (true)
            {
                ready ??= subscription.Events.WaitToReadAsync(ct).AsTask();
                keepAlive ??= Task.Delay(KeepAlive, ct);
                if (await Task.WhenAny(ready, keepAlive) == keepAlive)
                {
                    await keepAlive;
                    keepAlive = null;
                    await response.WriteAsync(": keep-alive\n\n", ct);
                    await response.Body.FlushAsync(ct);
                    continue;
                }

                if (!await ready)
                {
                    return;
                }

                ready = null;
                while (subscription.Events.TryRead(out var e))
                {
                    await response.WriteAsync($"event: {e.Name}\ndata: {e.Json}\n\n", ct);
                }

                await response.Body.FlushAsync(ct);
            }
        }
        catch (OperationCanceledException)
        {
            // The page left, or the stream's lifetime is over: the page opens a new one.
        }
    }

    private static async Task WriteAsync(HttpResponse response, string name, string data, CancellationToken ct)
    {
        await response.WriteAsync($"event: {name}\ndata: {data}\n\n", ct);
        await response.Body.FlushAsync(ct);
    }
}

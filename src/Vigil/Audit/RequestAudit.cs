using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing.Patterns;
using Vigil.Security;
using Vigil.Storage.Audit;
using Vigil.Storage.Writes;

namespace Vigil.Audit;

/// <summary>
/// Records every authenticated request (HTTP API, FHIR, the dashboard's API and live stream, gRPC) in the audit trail
/// before its answer leaves: the entry is written in <c>OnStarting</c>, when the status is set and nothing is sent yet,
/// and the headers wait for its commit. A gRPC call's outcome is in its trailers, so it is recorded when the call's
/// handler returns and before the trailers go; a trailers-only answer (an error) is recorded in <c>OnStarting</c>.
/// The ingest endpoints (readings, events, a FHIR Observation or transaction Bundle) write their entry in their own write job instead (<see cref="RecordWithin"/>).
/// Anonymous requests (health, requests without a valid key, which get 401) are not recorded.
/// </summary>
public sealed class RequestAudit(RequestDelegate next, AuditTrail trail, TimeProvider clock, ILogger<RequestAudit> logger)
{
    /// <summary>What the middleware knows of a request: when it arrived, and the status its entry was written with inside a write job.</summary>
    private sealed class State(DateTimeOffset at)
    {
        public DateTimeOffset At { get; } = at;

        public int? RecordedStatus { get; set; }
    }

    /// <summary>
    /// Writes the request's entry inside its write job, with <paramref name="status"/>, the answer the endpoint gives once
    /// the job commits: the write and its entry become durable in one commit (on the ingest paths, one fsync instead of
    /// two). A job that is rolled back takes the entry with it, and the request is recorded when it is answered, as any other.
    /// </summary>
    public static void RecordWithin(HttpContext http, WriteContext ctx, int status)
    {
        if (http.Features.Get<State>() is not { } state
            || Describe(http, state.At, false, status.ToString(CultureInfo.InvariantCulture)) is not { } entry)
        {
            return;
        }

        AuditStore.Record(ctx, [entry]);
        ctx.OnCommitted(() => state.RecordedStatus = status);
    }

    public async Task InvokeAsync(HttpContext http)
    {
        var at = clock.GetUtcNow();
        var state = new State(at);
        http.Features.Set(state);
        var grpc = http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true;
        var recorded = false;
        http.Response.OnStarting(() =>
        {
            string? outcome = grpc
                ? http.Response.Headers.TryGetValue("grpc-status", out var status) ? GrpcOutcome(status.ToString()) : null
                : state.RecordedStatus == http.Response.StatusCode ? null
                : http.Response.StatusCode.ToString(CultureInfo.InvariantCulture);
            if (outcome is null)
            {
                return Task.CompletedTask;
            }

            recorded = true;
            return http.Response.StatusCode >= 400 ? RecordRefusalAsync(http, at, grpc, outcome) : RecordAsync(http, at, grpc, outcome);
        });
        await next(http);
        if (grpc && !recorded && http.Features.Get<IHttpResponseTrailersFeature>()?.Trailers is { } trailers
            && trailers.TryGetValue("grpc-status", out var code))
        {
            recorded = true;
            await RecordAsync(http, at, grpc, GrpcOutcome(code.ToString()));
        }
    }

    /// <summary>
    /// A refusal disclosed and changed nothing, so a trail that cannot be written (the database is down, which is often
    /// why the answer is a 503) must not turn it into another answer: the client keeps its status and Retry-After, and
    /// the failure is logged. A served request's entry, by contrast, must be written or the answer fails.
    /// </summary>
    private async Task RecordRefusalAsync(HttpContext http, DateTimeOffset at, bool grpc, string outcome)
    {
        try
        {
            await RecordAsync(http, at, grpc, outcome);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "The audit entry of a refused request ({Status}) could not be written", outcome);
        }
    }

    private Task RecordAsync(HttpContext http, DateTimeOffset at, bool grpc, string outcome)
    {
        // Read the caller now, not on entry: the dashboard's stream authenticates during authorization, after this runs.
        return Describe(http, at, grpc, outcome) is { } entry ? trail.RecordAsync(entry) : Task.CompletedTask;
    }

    internal static AuditEntry? Describe(HttpContext http, DateTimeOffset at, bool grpc, string outcome)
    {
        if (http.User.Identity?.IsAuthenticated != true || http.User.FindFirstValue(ClaimTypes.NameIdentifier) is not { } actor)
        {
            return null;
        }

        var caller = Caller.From(http.User);
        var endpoint = http.GetEndpoint() as RouteEndpoint;
        // A group's root route reads "/api/v1/patients/"; the trail writes it as the collection, without the slash.
        var route = (endpoint?.RoutePattern.RawText ?? http.Request.Path.Value ?? "") is { Length: > 1 } raw ? raw.TrimEnd('/') : "/";
        var (resourceType, resourceId) = endpoint is null ? (null, null) : Resource(endpoint.RoutePattern, http);
        if (resourceId is null && http.Response.StatusCode == StatusCodes.Status201Created
            && http.Response.Headers.Location.ToString() is { Length: > 0 } location)
        {
            resourceId = Uri.UnescapeDataString(location.TrimEnd('/').Split('/')[^1]);
        }

        var method = http.Request.Method;
        var action = grpc
            ? route.Contains("/vigil.v1.IngestService/", StringComparison.Ordinal) ? "create" : "read"
            : ActionOf(method);
        return new AuditEntry(at, caller.CustomerId, actor, caller.Role, grpc ? "grpc" : "http", action, method, Clip(route)!,
            Clip(resourceType), Clip(resourceId), Clip(PatientOf(http, resourceType, resourceId)), outcome,
            Address(http.Connection.RemoteIpAddress));
    }

    /// <summary>An IPv4 peer of a dual-stack listener as the IPv4 address it is, not "::ffff:a.b.c.d".</summary>
    private static string? Address(System.Net.IPAddress? address) =>
        (address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address)?.ToString();

    /// <summary>What a method does to its resource, in the trail's words.</summary>
    internal static string ActionOf(string method) => method switch
    {
        "GET" or "HEAD" => "read",
        "POST" => "create",
        "PUT" or "PATCH" => "update",
        "DELETE" => "delete",
        _ => method.ToLowerInvariant(),
    };

    /// <summary>
    /// The resource a route names: the last <c>collection/{id}</c> pair of its template with the id's value
    /// (<c>/api/v1/patients/{id}/readings</c> is patient <c>p1</c>), or else its last literal segment (a collection).
    /// </summary>
    private static (string? Type, string? Id) Resource(RoutePattern pattern, HttpContext http)
    {
        string? literal = null;
        (string?, string?) found = (null, null);
        foreach (var segment in pattern.PathSegments)
        {
            if (segment.Parts is [RoutePatternLiteralPart l])
            {
                literal = l.Content;
                found = found.Item2 is null ? (literal, null) : found;
            }
            else if (segment.Parts is [RoutePatternParameterPart p] && literal is not null
                     && http.GetRouteValue(p.Name)?.ToString() is { } value)
            {
                found = (literal, value);
            }
        }

        return found;
    }

    /// <summary>The patient a request concerns, when it names one: in its route, or its query (API and FHIR).</summary>
    private static string? PatientOf(HttpContext http, string? resourceType, string? resourceId)
    {
        if (http.GetRouteValue("patientId")?.ToString() is { } routed)
        {
            return routed;
        }

        if (resourceType is "patients" or "Patient" && resourceId is not null)
        {
            return resourceId;
        }

        var query = http.Request.Query;
        var named = query["patientId"].ToString() is { Length: > 0 } p ? p
            : query["patient"].ToString() is { Length: > 0 } fhir ? fhir
            : query["subject"].ToString();
        return named.Length == 0 ? null : named.StartsWith("Patient/", StringComparison.Ordinal) ? named["Patient/".Length..] : named;
    }

    private static string GrpcOutcome(string code) =>
        int.TryParse(code, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && Enum.IsDefined((Grpc.GrpcStatusCode)n)
            ? UpperSnake(((Grpc.GrpcStatusCode)n).ToString())
            : code;

    private static string UpperSnake(string name)
    {
        var text = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]))
            {
                text.Append('_');
            }

            text.Append(char.ToUpperInvariant(name[i]));
        }

        return text.ToString();
    }

    /// <summary>What a caller sent is kept to a bounded length: the trail must not become a place to store megabytes.</summary>
    private static string? Clip(string? text) => text is { Length: > 200 } ? text[..200] : text;
}

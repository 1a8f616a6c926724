using Microsoft.Extensions.Options;
using Vigil.Api.Ingest;
using Vigil.Domain;
using Vigil.Domain.Events;
using Vigil.Hosting;
using Vigil.Security;
using Vigil.Storage.Events;
using Vigil.Storage.Writes;

using Vigil.Observability;

namespace Vigil.Api;

/// <summary><c>POST /api/v1/events</c> (clinical events onto the <c>events</c> topic) and each event's processing status.</summary>
public static class EventEndpoints
{
    /// <summary>The ingest role's half.</summary>
    public static RouteGroupBuilder MapEventIngest(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/events").WithTags("Events");
        group.MapPost("/", PostAsync).RequireAuthorization(Access.Ingest)
            .Produces<IngestRequest.Response>(StatusCodes.Status202Accepted)
            .ProducesProblem(400).ProducesProblem(409).ProducesProblem(413).ProducesProblem(422).ProducesProblem(503);
        return group;
    }

    /// <summary>The api role's half.</summary>
    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/events").WithTags("Events");
        group.MapGet("/{eventId}", GetAsync).RequireAuthorization(Access.Read);
        return group;
    }

    private static Task<IResult> PostAsync(
        HttpContext http, GroupCommitter writer, EventStore store, IOptions<VigilOptions> options, TimeProvider clock, CancellationToken cancellationToken) =>
        IngestRequest.HandleAsync<EventInput, ClinicalEvent>(
            http, options.Value, clock.GetUtcNow(), EventJson.Parse, EventValidator.Validate,
            async (tenant, events, trace, ct) =>
            {
                var result = await writer.WriteAsync(ctx =>
                {
                    var stored = store.Ingest(ctx, tenant, events, trace);
                    Audit.RequestAudit.RecordWithin(http, ctx, StatusCodes.Status202Accepted);
                    return stored;
                }, ct);
                IngestMetrics.EventsStored(result);
                return result;
            },
            cancellationToken,
            rejected: IngestMetrics.EventsRejected);

    public sealed record EventView(
        string EventId, string PatientId, string Type, System.Text.Json.JsonElement Data, DateTimeOffset Ts, DateTimeOffset ReceivedAt,
        string Status, DateTimeOffset? ProcessedAt, double? DurationMs, System.Text.Json.JsonElement? Result);

    private static async Task<IResult> GetAsync(HttpContext http, EventStore store, string eventId, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var status = Identifiers.IsValid(eventId) ? await store.GetAsync(caller.Tenant, eventId, cancellationToken) : null;
        if (status is null)
        {
            return Problems.NotFound($"Event '{eventId}'");
        }

        var e = status.Event;
        using var data = System.Text.Json.JsonDocument.Parse(e.Data);
        using var result = status.Result is null ? null : System.Text.Json.JsonDocument.Parse(status.Result);
        return TypedResults.Ok(new EventView(e.EventId, e.PatientId, e.Type, data.RootElement.Clone(), e.Ts, status.ReceivedAt,
            status.Status, status.ProcessedAt, status.DurationMs, result?.RootElement.Clone()));
    }
}

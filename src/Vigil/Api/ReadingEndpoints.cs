using Microsoft.Extensions.Options;
using Vigil.Api.Ingest;
using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Hosting;
using Vigil.Observability;
using Vigil.Security;
using Vigil.Storage.Readings;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary><c>POST /api/v1/readings</c> (one or a batch; 202 once durable) and a patient's readings in event-time order.</summary>
public static class ReadingEndpoints
{
    /// <summary>The ingest role's half.</summary>
    public static RouteGroupBuilder MapReadingIngest(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Readings");
        group.MapPost("/readings", PostAsync).RequireAuthorization(Access.Ingest)
            .Produces<IngestRequest.Response>(StatusCodes.Status202Accepted)
            .ProducesProblem(400).ProducesProblem(409).ProducesProblem(413).ProducesProblem(422).ProducesProblem(503);
        return group;
    }

    /// <summary>The api role's half.</summary>
    public static RouteGroupBuilder MapReadings(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Readings");
        group.MapGet("/patients/{patientId}/readings", QueryAsync).RequireAuthorization(Access.Read);
        return group;
    }

    private static Task<IResult> PostAsync(
        HttpContext http, GroupCommitter writer, ReadingStore store, IOptions<VigilOptions> options, TimeProvider clock, CancellationToken cancellationToken) =>
        IngestRequest.HandleAsync<ReadingInput, Reading>(
            http, options.Value, clock.GetUtcNow(), ReadingJson.Parse, ReadingValidator.Validate,
            async (tenant, readings, trace, ct) =>
            {
                var batch = ReadingStore.Prepare(tenant, readings, clock.GetUtcNow(), trace);
                var result = await writer.WriteAsync(ctx =>
                {
                    var stored = store.Ingest(ctx, batch);
                    Audit.RequestAudit.RecordWithin(http, ctx, StatusCodes.Status202Accepted);
                    return stored;
                }, ct);
                IngestMetrics.Stored(IngestMetrics.Http, result);
                return result;
            },
            cancellationToken,
            rejected: count => IngestMetrics.Rejected(IngestMetrics.Http, count));

    private static async Task<IResult> QueryAsync(
        HttpContext http, ReadingStore store, string patientId, string? type, string? from, string? to, int? limit, string? cursor,
        Storage.Reference.ReferenceStore reference, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        if (!await reference.PatientExistsAsync(caller.Tenant, patientId))
        {
            return Problems.NotFound($"Patient '{patientId}'");
        }

        var errors = new List<FieldError>();
        VitalType? vital = null;
        if (type is not null && !VitalTypes.TryGetByName(type, out vital))
        {
            errors.Add(new FieldError(null, "type", $"'{type}' is not a known vital type"));
        }

        var fromTime = FieldRules.QueryTime(from, "from", errors);
        var toTime = FieldRules.QueryTime(to, "to", errors);
        var take = limit ?? 1000;
        if (take is < 1 or > 10_000)
        {
            errors.Add(new FieldError(null, "limit", "must be between 1 and 10000"));
        }

        var after = cursor is null ? null : ReadingCursor.Parse(cursor);
        if (cursor is not null && after is null)
        {
            errors.Add(new FieldError(null, "cursor", "is not a cursor this API returned"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var (items, next) = await store.QueryAsync(caller.Tenant, patientId, vital, fromTime, toTime, after, take, cancellationToken);
        return TypedResults.Ok(new ReadingPage(items.Select(ReadingView.From).ToList(), next?.ToString()));
    }


    public sealed record ReadingPage(IReadOnlyList<ReadingView> Items, string? NextCursor);
}

using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;
using Vigil.Api.Ingest;
using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Hosting;
using Vigil.Security;
using Vigil.Storage.Readings;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Fhir;

/// <summary>
/// The FHIR R4 interface (application/fhir+json) under <c>/fhir</c>: the ingest role's <c>POST /fhir/Observation</c>
/// and <c>POST /fhir</c> (batch and transaction Bundles), the api role's Observation read, search and <c>$lastn</c>,
/// and the CapabilityStatement at <c>/fhir/metadata</c>. Every refusal is an OperationOutcome.
/// </summary>
public static class FhirEndpoints
{
    /// <summary>The ingest role's half.</summary>
    public static RouteGroupBuilder MapFhirIngest(this IEndpointRouteBuilder app)
    {
        var group = Group(app);
        group.MapPost("/Observation", CreateObservationAsync).RequireAuthorization(Access.Ingest);
        group.MapPost("/", BundleAsync).RequireAuthorization(Access.Ingest);
        return group;
    }

    /// <summary>The api role's half.</summary>
    public static RouteGroupBuilder MapFhirQueries(this IEndpointRouteBuilder app)
    {
        var group = Group(app);
        group.MapGet("/Observation", SearchAsync).RequireAuthorization(Access.Read);
        group.MapGet("/Observation/$lastn", LastNAsync).RequireAuthorization(Access.Read);
        group.MapGet("/Observation/{id}", ReadAsync).RequireAuthorization(Access.Read);
        return group;
    }

    /// <summary>
    /// The CapabilityStatement, for whichever halves this process serves. It is public, as FHIR servers' metadata is
    /// (clients read it before they authenticate); it says nothing about any customer.
    /// </summary>
    public static RouteGroupBuilder MapFhirMetadata(this IEndpointRouteBuilder app, bool ingest, bool queries)
    {
        var group = Group(app);
        group.MapGet("/metadata", () => new FhirResult(StatusCodes.Status200OK, CapabilityStatement.Of(ingest, queries))).AllowAnonymous();
        return group;
    }

    private static RouteGroupBuilder Group(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/fhir").WithTags("FHIR R4").ExcludeFromDescription();
        group.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (RejectedException e)
            {
                return OperationOutcome.Error(ObservationIngest.StatusOf(e), ObservationIngest.Issues(e, "Observation"));
            }
            catch (StorageUnavailableException e)
            {
                context.HttpContext.Response.Headers.RetryAfter = "1";
                return OperationOutcome.Error(StatusCodes.Status503ServiceUnavailable, "transient", $"{e.Message} Nothing was stored; retry.");
            }
            catch (BadHttpRequestException e)
            {
                return OperationOutcome.Error(e.StatusCode, e.StatusCode switch { 413 => "too-costly", 415 => "not-supported", _ => "structure" }, e.Message);
            }
        });
        return group;
    }

    private static async Task<IResult> CreateObservationAsync(
        HttpContext http, GroupCommitter writer, ReadingStore readings, ReferenceStore reference, IOptions<VigilOptions> options, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        var now = clock.GetUtcNow();
        var (document, problem) = ObservationIngest.Parse(await RequestBody.ReadAsync(http.Request, options.Value.MaxBodyBytes, cancellationToken));
        if (document is null)
        {
            return problem!;
        }

        using (document)
        {
            var parsed = ParsedObservation.Read(document.RootElement);
            var (prepared, issues) = await ObservationIngest.PrepareAsync(parsed, new PatientResolver(tenant, reference), tenant, now);
            if (issues.Any(i => i.IsError))
            {
                return OperationOutcome.Error(ObservationIngest.StatusOf(issues), issues);
            }

            if (prepared is null)
            {
                // Nothing Vigil stores (a code that is not a vital sign): reported, not refused.
                return new FhirResult(StatusCodes.Status200OK, OperationOutcome.Of(issues));
            }

            // The request's audit entry commits with the reading: one commit, and never one without the other.
            var created = await writer.WriteAsync(ctx =>
            {
                var stored = ObservationIngest.Store(ctx, readings, prepared);
                Audit.RequestAudit.RecordWithin(http, ctx, stored ? StatusCodes.Status201Created : StatusCodes.Status200OK);
                return stored;
            }, cancellationToken);
            return new FhirResult(created ? StatusCodes.Status201Created : StatusCodes.Status200OK, prepared.Representation(),
                $"{BaseUrl(http.Request)}/Observation/{prepared.Id}");
        }
    }

    private static async Task<IResult> BundleAsync(
        HttpContext http, GroupCommitter writer, ReadingStore readings, ReferenceStore reference, IAuthorizationService authorization,
        IOptions<VigilOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        var mayWritePatients = (await authorization.AuthorizeAsync(http.User, Access.Manage)).Succeeded;
        var (document, problem) = ObservationIngest.Parse(await RequestBody.ReadAsync(http.Request, options.Value.MaxBodyBytes, cancellationToken));
        if (document is null)
        {
            return problem!;
        }

        using (document)
        {
            // A transaction's audit entry commits with it (its answer is 200 once it has); a batch's entries are
            // jobs of their own, and the request is recorded when it is answered.
            var bundle = new BundleIngest(tenant, mayWritePatients, writer, readings, reference, clock.GetUtcNow(),
                ctx => Audit.RequestAudit.RecordWithin(http, ctx, StatusCodes.Status200OK));
            return await bundle.HandleAsync(document.RootElement, options.Value.MaxBatchItems, cancellationToken);
        }
    }

    private static async Task<IResult> SearchAsync(HttpContext http, ReadingStore readings, CancellationToken cancellationToken)
    {
        var issues = new List<Issue>();
        if (ObservationSearch.Parse(http.Request.Query, issues) is not { } search)
        {
            return OperationOutcome.Error(StatusCodes.Status400BadRequest, issues);
        }

        var (items, next) = await readings.QueryAsync(
            Caller.From(http.User).Tenant, search.PatientId, search.Types, search.From, search.To, search.Cursor, search.Count, search.NewestFirst, cancellationToken);
        var links = new JsonArray(Link("self", PageUrl(http.Request, null)));
        if (next is not null)
        {
            links.Add(Link("next", PageUrl(http.Request, next.ToString())));
        }

        return SearchSet(http.Request, items, links);
    }

    /// <summary><c>$lastn</c> (FHIR R4 Observation-lastn): the <c>max</c> (default 1) most recent readings of each code, newest first.</summary>
    private static async Task<IResult> LastNAsync(HttpContext http, ReadingStore readings, CancellationToken cancellationToken)
    {
        var issues = new List<Issue>();
        if (ObservationSearch.Parse(http.Request.Query, issues, defaultCount: 1, countName: "max", maxCount: 100) is not { } search)
        {
            return OperationOutcome.Error(StatusCodes.Status400BadRequest, issues);
        }

        var tenant = Caller.From(http.User).Tenant;
        var items = new List<StoredReading>();
        foreach (var type in (IEnumerable<VitalType>?)search.Types ?? VitalTypes.All)
        {
            var (latest, _) = await readings.QueryAsync(tenant, search.PatientId, [type], search.From, search.To, null, search.Count, newestFirst: true, cancellationToken);
            items.AddRange(latest);
        }

        return SearchSet(http.Request, items, new JsonArray(Link("self", PageUrl(http.Request, null))));
    }

    private static async Task<IResult> ReadAsync(HttpContext http, ReadingStore readings, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        if (await readings.GetAsync(tenant, id, cancellationToken) is { } reading)
        {
            return new FhirResult(StatusCodes.Status200OK, ObservationView.From(reading));
        }

        // A blood pressure panel was stored as one reading per component, under the panel's id and the component's code.
        var components = new List<StoredReading>();
        foreach (var type in new[] { VitalTypes.SystolicBp, VitalTypes.DiastolicBp })
        {
            if (await readings.GetAsync(tenant, $"{id}.{type.Loinc}", cancellationToken) is { } component)
            {
                components.Add(component);
            }
        }

        return components.Count > 0
            ? new FhirResult(StatusCodes.Status200OK, ObservationView.Panel(id, components))
            : OperationOutcome.Error(StatusCodes.Status404NotFound, "not-found", $"Observation '{id}' was not found.");
    }

    private static FhirResult SearchSet(HttpRequest request, IEnumerable<StoredReading> items, JsonArray links)
    {
        var entries = new JsonArray();
        foreach (var item in items)
        {
            entries.Add(new JsonObject
            {
                ["fullUrl"] = $"{BaseUrl(request)}/Observation/{item.Reading.Id}",
                ["resource"] = ObservationView.From(item),
                ["search"] = new JsonObject { ["mode"] = "match" },
            });
        }

        return new FhirResult(StatusCodes.Status200OK, new JsonObject
        {
            ["resourceType"] = "Bundle",
            ["type"] = "searchset",
            ["link"] = links,
            ["entry"] = entries,
        });
    }

    private static JsonObject Link(string relation, string url) => new() { ["relation"] = relation, ["url"] = url };

    private static string BaseUrl(HttpRequest request) => $"{request.Scheme}://{request.Host}{request.PathBase}/fhir";

    /// <summary>The request's own URL, with <c>_cursor</c> set to <paramref name="cursor"/> (or left out).</summary>
    private static string PageUrl(HttpRequest request, string? cursor)
    {
        var query = request.Query.Where(q => q.Key != "_cursor").SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v))).ToList();
        if (cursor is not null)
        {
            query.Add(new("_cursor", cursor));
        }

        return $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{QueryString.Create(query)}";
    }
}

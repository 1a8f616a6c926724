using System.Globalization;
using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Security;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary>
/// Alerts of the caller's customer: listed newest first (by patient, status, severity, creation time), read one by one
/// with every transition, acknowledged and resolved by clinicians; each action is recorded with who and when.
/// </summary>
public static class AlertEndpoints
{
    public sealed record AlertView(
        string Id, string PatientId, string? DepartmentId, string Rule, string Kind, string Severity, string Status, string Message,
        double? Value, JsonElement Details, DateTimeOffset FirstAt, DateTimeOffset LastAt, int Breaches, DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy, DateTimeOffset? ResolvedAt, string? ResolvedBy)
    {
        public static AlertView From(Alert a)
        {
            using var details = JsonDocument.Parse(a.Details);
            return new AlertView(a.Id, a.PatientId, a.DepartmentId, a.Rule, a.Kind, a.Severity, a.Status, a.Message, a.Value,
                details.RootElement.Clone(), a.FirstAt, a.LastAt, a.Breaches, a.CreatedAt, a.UpdatedAt, a.AcknowledgedAt, a.AcknowledgedBy,
                a.ResolvedAt, a.ResolvedBy);
        }
    }

    public sealed record AlertWithTransitions(AlertView Alert, IReadOnlyList<AlertTransition> Transitions);

    public sealed record Page(IReadOnlyList<AlertView> Items, string? NextCursor);

    public sealed record ActionRequest(string? Note);

    /// <summary>The status filter: one status, or "open" for active and acknowledged together.</summary>
    private static readonly IReadOnlyList<string> StatusFilters = [.. Alert.Statuses, "open"];

    public static RouteGroupBuilder MapAlerts(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/alerts").WithTags("Alerts");
        group.MapGet("/", ListAsync).RequireAuthorization(Access.Read).Produces<Page>().ProducesProblem(422);
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Access.Read).Produces<AlertWithTransitions>().ProducesProblem(404);
        group.MapPost("/{id}/acknowledge", (HttpContext http, GroupCommitter writer, AlertStore store, string id, CancellationToken ct) =>
                ActAsync(http, writer, id, (ctx, tenant, by, note) => store.Acknowledge(ctx, tenant, id, by, note), ct))
            .RequireAuthorization(Access.Care).Produces<AlertView>().ProducesProblem(404).ProducesProblem(409);
        group.MapPost("/{id}/resolve", (HttpContext http, GroupCommitter writer, AlertStore store, string id, CancellationToken ct) =>
                ActAsync(http, writer, id, (ctx, tenant, by, note) => store.Resolve(ctx, tenant, id, by, note), ct))
            .RequireAuthorization(Access.Care).Produces<AlertView>().ProducesProblem(404).ProducesProblem(409);
        return group;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, AlertStore store, string? patientId, string? status, string? severity, string? rule, string? from, string? to, string? cursor,
        string? limit,
        CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        FieldRules.Id(patientId, "patientId", errors);
        if (status is not null)
        {
            FieldRules.OneOf(status, "status", StatusFilters, "", errors);
        }

        if (severity is not null)
        {
            FieldRules.OneOf(severity, "severity", AlertSeverity.All, "", errors);
        }

        if (rule is { Length: > 200 })
        {
            errors.Add(new FieldError(null, "rule", "must be at most 200 characters"));
        }

        var fromTime = FieldRules.QueryTime(from, "from", errors);
        var toTime = FieldRules.QueryTime(to, "to", errors);
        var take = FieldRules.Limit(limit, errors);

        var before = FieldRules.SeqCursor(cursor, errors);

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var page = await store.ListAsync(Caller.From(http.User).Tenant,
            new AlertStore.Query(patientId, status, severity, rule, fromTime, toTime, before, take), cancellationToken);
        return TypedResults.Ok(new Page(page.Items.Select(AlertView.From).ToList(), page.Next?.ToString(CultureInfo.InvariantCulture)));
    }

    private static async Task<IResult> GetAsync(HttpContext http, AlertStore store, string id, CancellationToken cancellationToken)
    {
        var found = Identifiers.IsValid(id) ? await store.GetAsync(Caller.From(http.User).Tenant, id, cancellationToken) : null;
        return found is { } f
            ? TypedResults.Ok(new AlertWithTransitions(AlertView.From(f.Alert), f.Transitions))
            : Problems.NotFound($"Alert '{id}'");
    }

    private static async Task<IResult> ActAsync(
        HttpContext http, GroupCommitter writer, string id, Func<WriteContext, string, string, string?, Alert> act, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        if (!Identifiers.IsValid(id))
        {
            return Problems.NotFound($"Alert '{id}'");
        }

        string? note = null;
        if (http.Request.ContentLength is > 0 || http.Request.Headers.TransferEncoding.Count > 0)
        {
            var (body, problem) = await JsonBody.ReadAsync<ActionRequest>(http.Request, cancellationToken);
            if (body is null)
            {
                return problem!;
            }

            note = body.Note;
            if (note is { Length: > 1000 })
            {
                return Problems.Invalid("note", "must be at most 1000 characters");
            }
        }

        var alert = await writer.WriteAsync(ctx => act(ctx, caller.Tenant, caller.Id, note), cancellationToken);
        return TypedResults.Ok(AlertView.From(alert));
    }
}

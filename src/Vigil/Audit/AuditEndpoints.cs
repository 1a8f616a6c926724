using System.Globalization;
using Vigil.Api;
using Vigil.Domain;
using Vigil.Security;
using Vigil.Storage.Audit;

namespace Vigil.Audit;

/// <summary>The caller's customer's audit trail, newest first, for its admins.</summary>
public static class AuditEndpoints
{
    /// <summary>One entry as the API shows it.</summary>
    public sealed record AuditView(
        DateTimeOffset At, string Actor, string ActorRole, string Interface, string Action, string Method, string Route,
        string? ResourceType, string? ResourceId, string? PatientId, string Outcome, string? RemoteAddress)
    {
        public static AuditView From(AuditEntry e) => new(e.At, e.Actor, e.ActorRole, e.Interface, e.Action, e.Method, e.Route,
            e.ResourceType, e.ResourceId, e.PatientId, e.Outcome, e.RemoteAddress);
    }

    public sealed record Page(IReadOnlyList<AuditView> Items, string? NextCursor);

    /// <summary>The actions the trail records, for the <c>action</c> filter.</summary>
    public static IReadOnlyList<string> Actions { get; } = ["read", "create", "update", "delete"];

    public static RouteGroupBuilder MapAudit(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Audit");
        // Admins of the customer only (the manage policy): the trail shows who looked at which patient.
        group.MapGet("/", ListAsync).RequireAuthorization(Access.Manage).Produces<Page>().ProducesProblem(422);
        return group;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, AuditStore store, string? from, string? to, string? actor, string? patientId, string? action, string? cursor,
        string? limit, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        var fromTime = FieldRules.QueryTime(from, "from", errors);
        var toTime = FieldRules.QueryTime(to, "to", errors);
        if (fromTime is { } f && toTime is { } t && t < f)
        {
            errors.Add(new FieldError(null, "to", "must not be before from"));
        }

        if (actor is { Length: 0 or > 200 })
        {
            errors.Add(new FieldError(null, "actor", "must be 1 to 200 characters (an actor as the trail shows it, e.g. key:<id>)"));
        }

        FieldRules.Id(patientId, "patientId", errors);
        if (action is not null)
        {
            FieldRules.OneOf(action, "action", Actions, "", errors);
        }

        var take = FieldRules.Limit(limit, errors);
        var before = FieldRules.SeqCursor(cursor, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var page = await store.ListAsync(Caller.From(http.User).Tenant,
            new AuditStore.Query(fromTime, toTime, actor, patientId, action, before, take), cancellationToken);
        return TypedResults.Ok(new Page(page.Items.Select(AuditView.From).ToList(), page.Next?.ToString(CultureInfo.InvariantCulture)));
    }
}

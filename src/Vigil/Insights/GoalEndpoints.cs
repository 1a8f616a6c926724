using Vigil.Api;
using Vigil.Domain;
using Vigil.Domain.Insights;
using Vigil.Domain.Windows;
using Vigil.Processing.Analysis;
using Vigil.Security;
using Vigil.Storage.Goals;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Insights;

/// <summary>
/// A patient's health goals under <c>/api/v1/patients/{patientId}/goals</c>: the customer's care team (policy care)
/// sets them, anyone of the customer (read) sees them with their progress in the current period, computed from the
/// patient's hourly aggregates.
/// </summary>
public static class GoalEndpoints
{
    public const int MaxNoteLength = 500;

    public sealed record GoalRequest(string? Kind, double? Target, string? Direction, string? Period, string? Note);

    public sealed record GoalView(
        string Id, string PatientId, string Kind, double Target, string Unit, string Direction, string Period, string? Note,
        DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, GoalProgress Progress);

    public sealed record GoalList(IReadOnlyList<GoalView> Items);

    public static RouteGroupBuilder MapHealthGoals(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients/{patientId}/goals").WithTags("Health goals");
        group.MapPost("/", CreateAsync).RequireAuthorization(Access.Care)
            .Produces<GoalView>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(404).ProducesProblem(409).ProducesProblem(422);
        group.MapGet("/", ListAsync).RequireAuthorization(Access.Read).Produces<GoalList>().ProducesProblem(404);
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Access.Read).Produces<GoalView>().ProducesProblem(404);
        group.MapPut("/{id}", UpdateAsync).RequireAuthorization(Access.Care)
            .Produces<GoalView>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(422);
        group.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Access.Care).Produces(StatusCodes.Status204NoContent).ProducesProblem(404);
        return group;
    }

    private static async Task<IResult> CreateAsync(
        HttpContext http, GroupCommitter writer, GoalStore goals, WindowStore windows, TimeProvider clock, string patientId, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var (body, problem) = await JsonBody.ReadAsync<GoalRequest>(http.Request, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new List<FieldError>();
        var fields = Validate(body, kindFixed: null, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var goal = await writer.WriteAsync(ctx => goals.Create(ctx, caller.Tenant, patientId, fields, caller.Id), cancellationToken);
        return TypedResults.Created($"/api/v1/patients/{patientId}/goals/{goal.Id}", await ViewAsync(goal, windows, clock, cancellationToken));
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, GoalStore goals, ReferenceStore reference, WindowStore windows, TimeProvider clock, string patientId, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        if (!await reference.PatientExistsAsync(tenant, patientId))
        {
            return Problems.NotFound($"Patient '{patientId}'");
        }

        var views = new List<GoalView>();
        foreach (var goal in await goals.ListAsync(tenant, patientId, cancellationToken))
        {
            views.Add(await ViewAsync(goal, windows, clock, cancellationToken));
        }

        return TypedResults.Ok(new GoalList(views));
    }

    private static async Task<IResult> GetAsync(
        HttpContext http, GoalStore goals, WindowStore windows, TimeProvider clock, string patientId, string id, CancellationToken cancellationToken) =>
        await goals.GetAsync(Caller.From(http.User).Tenant, patientId, id, cancellationToken) is { } goal
            ? TypedResults.Ok(await ViewAsync(goal, windows, clock, cancellationToken))
            : Problems.NotFound($"Goal '{id}' of patient '{patientId}'");

    private static async Task<IResult> UpdateAsync(
        HttpContext http, GroupCommitter writer, GoalStore goals, WindowStore windows, TimeProvider clock, string patientId, string id,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var (body, problem) = await JsonBody.ReadAsync<GoalRequest>(http.Request, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        if (await goals.GetAsync(caller.Tenant, patientId, id, cancellationToken) is not { } existing)
        {
            return Problems.NotFound($"Goal '{id}' of patient '{patientId}'");
        }

        var errors = new List<FieldError>();
        var fields = Validate(body, kindFixed: existing.Kind, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var updated = await writer.WriteAsync(ctx => goals.Update(ctx, caller.Tenant, patientId, id, fields, caller.Id), cancellationToken);
        return updated is null
            ? Problems.NotFound($"Goal '{id}' of patient '{patientId}'")
            : TypedResults.Ok(await ViewAsync(updated, windows, clock, cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, GroupCommitter writer, GoalStore goals, string patientId, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        return await writer.WriteAsync(ctx => goals.Delete(ctx, tenant, patientId, id), cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound($"Goal '{id}' of patient '{patientId}'");
    }

    /// <summary>The goal with its progress in the period that contains now.</summary>
    internal static async Task<GoalView> ViewAsync(HealthGoal goal, WindowStore windows, TimeProvider clock, CancellationToken cancellationToken)
    {
        GoalKind.TryGet(goal.Kind, out var kind);
        GoalPeriod.TryGet(goal.Period, out var period);
        var now = clock.GetUtcNow();
        var (from, to) = period.Bounds(now);
        var hourly = await windows.QueryAsync(goal.CustomerId, goal.PatientId, kind.Vital, WindowSize.OneHour, from, to, cancellationToken);
        return new GoalView(goal.Id, goal.PatientId, goal.Kind, goal.Target, kind.Unit, goal.Direction, goal.Period, goal.Note,
            goal.CreatedAt, goal.UpdatedAt, GoalProgress.Compute(goal, hourly, now));
    }

    /// <summary>
    /// Checks a request: kind (on create; a PUT may repeat the goal's own kind, not change it), a target within the
    /// kind's range, a direction (the kind's default when left out; weight needs one) and a period (day by default).
    /// </summary>
    private static GoalStore.Fields Validate(GoalRequest body, string? kindFixed, List<FieldError> errors)
    {
        var kindNames = string.Join(", ", GoalKind.All.Select(k => $"'{k.Name}'"));
        GoalKind? kind = null;
        if (kindFixed is not null)
        {
            GoalKind.TryGet(kindFixed, out kind);
            if (body.Kind is not null && body.Kind != kindFixed)
            {
                errors.Add(new FieldError(null, "kind", $"cannot change ('{kindFixed}'); delete the goal and create one of the other kind"));
            }
        }
        else if (body.Kind is null)
        {
            errors.Add(new FieldError(null, "kind", $"is required: one of {kindNames}"));
        }
        else if (!GoalKind.TryGet(body.Kind, out kind))
        {
            errors.Add(new FieldError(null, "kind", $"must be one of {kindNames}"));
        }

        if (body.Target is not { } target || !double.IsFinite(target))
        {
            errors.Add(new FieldError(null, "target", kind is null ? "is required: a number" : $"is required: a number in {kind.Unit}"));
        }
        else if (kind is not null && (target < kind.MinTarget || target > kind.MaxTarget))
        {
            errors.Add(new FieldError(null, "target", $"{target} {kind.Unit} is outside {kind.MinTarget} to {kind.MaxTarget} {kind.Unit}"));
        }

        var direction = body.Direction ?? kind?.DefaultDirection;
        if (direction is null)
        {
            if (kind is not null)
            {
                errors.Add(new FieldError(null, "direction", $"is required for {kind.Name}: 'at_least' or 'at_most'"));
            }
        }
        else if (!GoalKind.Directions.Contains(direction))
        {
            errors.Add(new FieldError(null, "direction", "must be 'at_least' or 'at_most'"));
        }

        var period = FieldRules.OneOf(body.Period, "period", [.. GoalPeriod.All.Select(p => p.Name)], GoalPeriod.Day.Name, errors);
        var note = FieldRules.OptionalText(body.Note, "note", MaxNoteLength, errors);
        return new GoalStore.Fields(kind?.Name ?? "", body.Target ?? 0, direction ?? "", period, note);
    }
}

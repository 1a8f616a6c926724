using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using Vigil.Processing.Analysis;
using Vigil.Security;
using Vigil.Storage.Reference;

namespace Vigil.Api;

/// <summary><c>GET /api/v1/patients/{id}/aggregates</c>: a patient's tumbling-window aggregates of one vital type and window size.</summary>
public static class AggregateEndpoints
{
    public static RouteGroupBuilder MapAggregates(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Aggregates");
        group.MapGet("/patients/{patientId}/aggregates", QueryAsync).RequireAuthorization(Access.Read)
            .Produces<IReadOnlyList<AggregateView>>().ProducesProblem(404).ProducesProblem(422);
        return group;
    }

    /// <summary>The windows overlapping [from, to) (either bound optional), ordered by start.</summary>
    private static async Task<IResult> QueryAsync(
        HttpContext http, WindowStore store, ReferenceStore reference, string patientId, string? type, string? window, string? from, string? to,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        if (!await reference.PatientExistsAsync(caller.Tenant, patientId))
        {
            return Problems.NotFound($"Patient '{patientId}'");
        }

        var errors = new List<FieldError>();
        var (vital, size) = Series(type, window, errors);
        var fromTime = FieldRules.QueryTime(from, "from", errors);
        var toTime = FieldRules.QueryTime(to, "to", errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var aggregates = await store.QueryAsync(caller.Tenant, patientId, vital!, size!, fromTime, toTime, cancellationToken);
        return TypedResults.Ok(aggregates.Select(AggregateView.From).ToList());
    }

    /// <summary>The vital type (one with a numeric value) and window size of a query; each missing or unknown one is a field error.</summary>
    internal static (VitalType? Type, WindowSize? Window) Series(string? type, string? window, List<FieldError> errors)
    {
        VitalType? vital = null;
        if (string.IsNullOrEmpty(type))
        {
            errors.Add(new FieldError(null, "type", "is required"));
        }
        else if (!VitalTypes.TryGetByName(type, out vital) || vital.Kind != ValueKind.Quantity)
        {
            errors.Add(new FieldError(null, "type", $"'{type}' is not a vital type with a numeric value"));
        }

        WindowSize? size = null;
        if (string.IsNullOrEmpty(window))
        {
            errors.Add(new FieldError(null, "window", "is required: 1m, 5m or 1h"));
        }
        else if (!WindowSize.TryGetByName(window, out size))
        {
            errors.Add(new FieldError(null, "window", $"'{window}' is not a window size: 1m, 5m or 1h"));
        }

        return (vital, size);
    }

    public sealed record AggregateView(
        DateTimeOffset WindowStart, DateTimeOffset WindowEnd, long Count, double Min, double Max, double Mean, double Last, bool Final)
    {
        public static AggregateView From(WindowAggregate a) => new(a.Start, a.End, a.Count, a.Min, a.Max, a.Mean, a.Last, a.Final);
    }
}

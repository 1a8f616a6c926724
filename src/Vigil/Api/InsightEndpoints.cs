using Vigil.Domain;
using Vigil.Domain.Insights;
using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using Vigil.Processing.Analysis;
using Vigil.Security;
using Vigil.Storage.Reference;

namespace Vigil.Api;

/// <summary>
/// A patient's insights beside the aggregates they come from: <c>GET /api/v1/patients/{id}/trends</c>, the slope of
/// each vital over the last 6 and 24 hours with its 95 % confidence interval, fitted to the 5-minute window means
/// weighted by their reading counts (<see cref="TrendLine"/>); and <c>GET /api/v1/patients/{id}/baselines</c>, the
/// patient's own baseline per vital as the analyzer keeps it.
/// </summary>
public static class InsightEndpoints
{
    /// <summary>The spans a trend is fitted over, ending at the patient's latest reading.</summary>
    public static IReadOnlyList<(string Name, TimeSpan Length)> Spans { get; } = [("6h", TimeSpan.FromHours(6)), ("24h", TimeSpan.FromHours(24))];

    public const double Confidence = 0.95;

    /// <summary>
    /// One vital's trend over one span. The slope fields are null when fewer than three 5-minute windows hold readings.
    /// <paramref name="Direction"/> is "rising" or "falling" when the whole interval lies on one side of zero, "steady"
    /// when it holds zero, "unknown" without a fit.
    /// </summary>
    public sealed record TrendView(
        string Type, string? Unit, string Span, DateTimeOffset From, DateTimeOffset To, double? SlopePerHour, double? SlopeLow, double? SlopeHigh,
        int Points, double? RSquared, string Direction);

    public sealed record TrendsView(string PatientId, DateTimeOffset? At, double Confidence, IReadOnlyList<TrendView> Trends);

    public sealed record BaselineView(
        string Type, string? Unit, double Level, double Spread, double Scale, int Minutes, IReadOnlyList<double> Recent, DateTimeOffset OpenMinute,
        DateTimeOffset UpdatedAt);

    public static RouteGroupBuilder MapInsights(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1").WithTags("Insights");
        group.MapGet("/patients/{patientId}/trends", TrendsAsync).RequireAuthorization(Access.Read)
            .Produces<TrendsView>().ProducesProblem(404).ProducesProblem(422);
        group.MapGet("/patients/{patientId}/baselines", BaselinesAsync).RequireAuthorization(Access.Read)
            .Produces<IReadOnlyList<BaselineView>>().ProducesProblem(404);
        return group;
    }

    private static async Task<IResult> TrendsAsync(
        HttpContext http, WindowStore store, ReferenceStore reference, string patientId, string? type, string? at, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        if (!await reference.PatientExistsAsync(caller.Tenant, patientId))
        {
            return Problems.NotFound($"Patient '{patientId}'");
        }

        var errors = new List<FieldError>();
        VitalType? only = null;
        if (type is not null && (!VitalTypes.TryGetByName(type, out only) || only.Kind != ValueKind.Quantity))
        {
            errors.Add(new FieldError(null, "type", $"'{type}' is not a vital type with a numeric value"));
        }

        var end = FieldRules.QueryTime(at, "at", errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        end ??= (await store.WatermarkAsync(caller.Tenant, patientId, cancellationToken))?.LatestEventTime;
        if (end is not { } to)
        {
            return TypedResults.Ok(new TrendsView(patientId, null, Confidence, []));
        }

        var longest = Spans.Max(s => s.Length);
        var trends = new List<TrendView>();
        foreach (var vital in only is null ? VitalTypes.All.Where(t => t.Kind == ValueKind.Quantity) : [only])
        {
            var windows = await store.QueryAsync(
                caller.Tenant, patientId, vital, WindowSize.FiveMinutes, to - longest, to + WindowSize.FiveMinutes.Length, cancellationToken);
            if (windows.Count == 0 && only is null)
            {
                continue;
            }

            foreach (var (span, length) in Spans)
            {
                trends.Add(Fit(vital, span, to - length, to, windows));
            }
        }

        return TypedResults.Ok(new TrendsView(patientId, to, Confidence, trends));
    }

    /// <summary>
    /// The trend of the windows that start within (from, to]: the window holding <paramref name="to"/> and those before
    /// it, as many as the span holds. Each is a point at its middle weighted by its reading count.
    /// </summary>
    internal static TrendView Fit(VitalType type, string span, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<WindowAggregate> windows)
    {
        var points = windows.Where(w => w.Start > from && w.Start <= to)
            .Select(w => new TrendPoint(w.Start + (w.Size.Length / 2), w.Mean, w.Count)).ToList();
        var trend = TrendLine.Fit(points, Confidence);
        var direction = trend switch
        {
            null => "unknown",
            { SlopeLow: > 0 } => "rising",
            { SlopeHigh: < 0 } => "falling",
            _ => "steady",
        };
        return new TrendView(type.Name, type.Unit, span, from, to, trend?.SlopePerHour, trend?.SlopeLow, trend?.SlopeHigh,
            trend?.Points ?? points.Count, trend?.RSquared, direction);
    }

    private static async Task<IResult> BaselinesAsync(
        HttpContext http, BaselineStore store, ReferenceStore reference, string patientId, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        if (!await reference.PatientExistsAsync(caller.Tenant, patientId))
        {
            return Problems.NotFound($"Patient '{patientId}'");
        }

        var stored = await store.ListAsync(caller.Tenant, patientId, cancellationToken);
        return TypedResults.Ok(stored.Select(s => new BaselineView(
            s.Type, VitalTypes.TryGetByName(s.Type, out var t) ? t.Unit : null, s.Baseline.Level, s.Baseline.Spread, s.Baseline.Scale(s.Type),
            s.Baseline.Minutes, s.Baseline.Recent, s.OpenMinute, s.UpdatedAt)).ToList());
    }
}

using Vigil.Security;

namespace Vigil.Insights.Summary;

/// <summary><c>GET /api/v1/patients/{id}/summary</c>: the patient's last 24 hours as facts and as text.</summary>
public static class SummaryEndpoints
{
    public static RouteGroupBuilder MapPatientSummary(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients/{patientId}/summary").WithTags("Patient summary");
        group.MapGet("/", async (HttpContext http, PatientSummaries summaries, TimeProvider clock, string patientId, CancellationToken cancellationToken) =>
                await summaries.SummarizeAsync(Caller.From(http.User).Tenant, patientId, clock.GetUtcNow(), cancellationToken) is { } summary
                    ? Results.Ok(summary)
                    : Problems.NotFound($"Patient '{patientId}'"))
            .RequireAuthorization(Access.Read).Produces<PatientSummary>().ProducesProblem(404);
        return group;
    }
}

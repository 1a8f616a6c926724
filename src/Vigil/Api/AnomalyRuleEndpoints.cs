using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Insights;
using Vigil.Security;
using Vigil.Storage.Alerts;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary>
/// Anomaly rules (docs/insights.md): <c>PUT /api/v1/anomaly-rules</c> replaces one scope's rules (customer, department
/// or patient, as for thresholds), <c>GET /api/v1/anomaly-rules</c> lists them with the values omitted settings take,
/// and <c>GET /api/v1/anomaly-rules/effective?patientId=</c> shows which apply to a patient and where they come from.
/// </summary>
public static class AnomalyRuleEndpoints
{
    public sealed record AnomalyRuleRequest(ThresholdEndpoints.ScopeRequest? Scope, List<AnomalyRuleValidator.RuleInput?>? Rules);

    public sealed record ScopeRulesView(ThresholdEndpoints.ScopeView Scope, IReadOnlyList<AnomalyRule> Rules, DateTimeOffset UpdatedAt, string UpdatedBy);

    public sealed record DefaultsView(double K, int Minutes, int WarmupMinutes, string Severity);

    public sealed record ConfiguredView(IReadOnlyList<ScopeRulesView> Items, DefaultsView Defaults);

    public sealed record EffectiveRule(string Type, double K, int Minutes, int WarmupMinutes, string Severity, string Source);

    public sealed record EffectiveView(string PatientId, string? DepartmentId, IReadOnlyList<EffectiveRule> Rules);

    public static RouteGroupBuilder MapAnomalyRules(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/anomaly-rules").WithTags("Anomaly rules");
        group.MapPut("/", PutAsync).RequireAuthorization(Access.Care)
            .Produces<ScopeRulesView>().ProducesProblem(400).ProducesProblem(422);
        group.MapGet("/", ListAsync).RequireAuthorization(Access.Read).Produces<ConfiguredView>();
        group.MapGet("/effective", EffectiveAsync).RequireAuthorization(Access.Read)
            .Produces<EffectiveView>().ProducesProblem(404).ProducesProblem(422);
        return group;
    }

    private static async Task<IResult> PutAsync(HttpContext http, GroupCommitter writer, AnomalyRuleStore store, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var (body, problem) = await JsonBody.ReadAsync<AnomalyRuleRequest>(http.Request, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new List<FieldError>();
        var scope = ThresholdEndpoints.Scope(body.Scope, errors);
        var rules = AnomalyRuleValidator.Validate(body.Rules, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var saved = await writer.WriteAsync(ctx => store.Replace(ctx, caller.Tenant, scope!, rules, caller.Id), cancellationToken);
        return TypedResults.Ok(View(saved));
    }

    private static async Task<IResult> ListAsync(HttpContext http, AnomalyRuleStore store, CancellationToken cancellationToken)
    {
        var configured = await store.ListAsync(Caller.From(http.User).Tenant, cancellationToken);
        return TypedResults.Ok(new ConfiguredView(configured.Select(View).ToList(),
            new DefaultsView(AnomalyDefaults.K, AnomalyDefaults.Minutes, AnomalyDefaults.WarmupMinutes, AnomalyDefaults.Severity)));
    }

    private static async Task<IResult> EffectiveAsync(
        HttpContext http, AnomalyRuleStore store, ReferenceStore reference, string? patientId, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        if (patientId is null)
        {
            return Problems.Invalid("patientId", "is required");
        }

        var patient = Identifiers.IsValid(patientId) ? await reference.GetPatientAsync(tenant, patientId) : null;
        if (patient is null)
        {
            return Problems.NotFound($"Patient '{patientId}'");
        }

        var configured = (await store.ListAsync(tenant, cancellationToken)).ToDictionary(s => s.Scope, s => s.Rules);
        var effective = EffectiveAnomalyRules.Resolve(configured, tenant, patient.DepartmentId, patient.Id);
        return TypedResults.Ok(new EffectiveView(patient.Id, patient.DepartmentId,
            effective.Values.OrderBy(e => e.Rule.Type, StringComparer.Ordinal)
                .Select(e => new EffectiveRule(e.Rule.Type, e.Rule.K, e.Rule.Minutes, e.Rule.WarmupMinutes, e.Rule.Severity, e.Source)).ToList()));
    }

    private static ScopeRulesView View(AnomalyRuleStore.ScopeRules s) =>
        new(new ThresholdEndpoints.ScopeView(s.Scope.Kind, s.Scope.Id), s.Rules, s.UpdatedAt, s.UpdatedBy);
}

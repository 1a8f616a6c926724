using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Security;
using Vigil.Storage.Alerts;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary>
/// Alert thresholds: <c>PUT /api/v1/thresholds</c> replaces one scope's rules (customer, department or patient),
/// <c>GET /api/v1/thresholds</c> lists what is configured beside the built-in defaults, and
/// <c>GET /api/v1/thresholds/effective?patientId=</c> shows which rule applies to a patient and where it comes from.
/// </summary>
public static class ThresholdEndpoints
{
    public sealed record ScopeRequest(string? CustomerId, string? DepartmentId, string? PatientId);

    public sealed record ThresholdRequest(ScopeRequest? Scope, List<ThresholdValidator.RuleInput?>? Rules);

    public sealed record ScopeView(string Kind, string Id);

    public sealed record ScopeRulesView(ScopeView Scope, IReadOnlyList<ThresholdRule> Rules, DateTimeOffset UpdatedAt, string UpdatedBy);

    public sealed record ConfiguredView(IReadOnlyList<ScopeRulesView> Items, IReadOnlyList<ThresholdRule> Defaults);

    public sealed record EffectiveRule(string Type, double? Low, double? High, int ForSeconds, string Severity, string Source);

    public sealed record EffectiveView(string PatientId, string? DepartmentId, IReadOnlyList<EffectiveRule> Rules);

    public static RouteGroupBuilder MapThresholds(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/thresholds").WithTags("Thresholds");
        group.MapPut("/", PutAsync).RequireAuthorization(Access.Care)
            .Produces<ScopeRulesView>().ProducesProblem(400).ProducesProblem(422);
        group.MapGet("/", ListAsync).RequireAuthorization(Access.Read).Produces<ConfiguredView>();
        group.MapGet("/effective", EffectiveAsync).RequireAuthorization(Access.Read)
            .Produces<EffectiveView>().ProducesProblem(404).ProducesProblem(422);
        return group;
    }

    private static async Task<IResult> PutAsync(HttpContext http, GroupCommitter writer, ThresholdStore store, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var (body, problem) = await JsonBody.ReadAsync<ThresholdRequest>(http.Request, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new List<FieldError>();
        var scope = Scope(body.Scope, errors);
        var rules = ThresholdValidator.Validate(body.Rules, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var saved = await writer.WriteAsync(ctx => store.Replace(ctx, caller.Tenant, scope!, rules, caller.Id), cancellationToken);
        return TypedResults.Ok(View(saved));
    }

    internal static ThresholdScope? Scope(ScopeRequest? scope, List<FieldError> errors)
    {
        var given = new[]
        {
            (Kind: ThresholdScope.Customer, Field: "customerId", Id: scope?.CustomerId),
            (Kind: ThresholdScope.Department, Field: "departmentId", Id: scope?.DepartmentId),
            (Kind: ThresholdScope.Patient, Field: "patientId", Id: scope?.PatientId),
        }.Where(s => s.Id is not null).ToList();
        if (given.Count != 1)
        {
            errors.Add(new FieldError(null, "scope", "must name exactly one of customerId, departmentId or patientId"));
            return null;
        }

        var (kind, field, id) = given[0];
        if (!Identifiers.IsValid(id!))
        {
            errors.Add(new FieldError(null, $"scope.{field}", Identifiers.Rule));
            return null;
        }

        return new ThresholdScope(kind, id!);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ThresholdStore store, CancellationToken cancellationToken)
    {
        var configured = await store.ListAsync(Caller.From(http.User).Tenant, cancellationToken);
        return TypedResults.Ok(new ConfiguredView(configured.Select(View).ToList(), ThresholdDefaults.Rules));
    }

    private static async Task<IResult> EffectiveAsync(
        HttpContext http, ThresholdStore store, ReferenceStore reference, string? patientId, CancellationToken cancellationToken)
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
        var effective = EffectiveThresholds.Resolve(configured, tenant, patient.DepartmentId, patient.Id);
        return TypedResults.Ok(new EffectiveView(patient.Id, patient.DepartmentId,
            effective.Values.OrderBy(e => e.Rule.Type, StringComparer.Ordinal)
                .Select(e => new EffectiveRule(e.Rule.Type, e.Rule.Low, e.Rule.High, e.Rule.ForSeconds, e.Rule.Severity, e.Source)).ToList()));
    }

    private static ScopeRulesView View(ThresholdStore.ScopeRules s) =>
        new(new ScopeView(s.Scope.Kind, s.Scope.Id), s.Rules, s.UpdatedAt, s.UpdatedBy);
}

using Vigil.Domain;
using Vigil.Domain.Reference;
using Vigil.Security;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary>Patients of the caller's customer.</summary>
public static class PatientEndpoints
{
    public sealed record PatientRequest(
        string? Id, string? CustomerId, string? DepartmentId, string? Mrn, string? Name, string? BirthDate, int? Spo2Scale, string? Status);

    public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

    public static RouteGroupBuilder MapPatients(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/patients").WithTags("Patients");
        group.MapPost("/", CreateAsync).RequireAuthorization(Access.Manage);
        group.MapGet("/", ListAsync).RequireAuthorization(Access.Read);
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Access.Read);
        group.MapPut("/{id}", UpdateAsync).RequireAuthorization(Access.Manage);
        group.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Access.Manage);
        return group;
    }

    private static Task<(ReferenceRequest.Parsed<PatientFields>? Value, IResult? Problem)> ReadAsync(
        HttpContext http, string tenant, string? pathId, DateTimeOffset now, CancellationToken cancellationToken) =>
        ReferenceRequest.ReadAsync<PatientRequest, PatientFields>(
            http.Request, tenant, pathId, pathId is null ? "Customer" : $"Patient '{pathId}'", b => b.Id, b => b.CustomerId,
            (b, errors) =>
            {
                var departmentId = FieldRules.Id(b.DepartmentId, "departmentId", errors);
                var mrn = FieldRules.OptionalText(b.Mrn, "mrn", 64, errors);
                var name = FieldRules.Text(b.Name, "name", 200, errors);
                var birthDate = FieldRules.Date(b.BirthDate, "birthDate", now, errors);
                var scale = b.Spo2Scale ?? 1;
                if (scale is not (1 or 2))
                {
                    errors.Add(new FieldError(null, "spo2Scale", "must be 1 or 2 (NEWS2 SpO2 scale)"));
                }

                var status = FieldRules.OneOf(b.Status, "status", Patient.Statuses, "active", errors);
                return new PatientFields(departmentId, mrn, name, birthDate, scale, status);
            },
            cancellationToken);

    private static async Task<IResult> CreateAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        var (request, problem) = await ReadAsync(http, tenant, null, clock.GetUtcNow(), cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var patient = await writer.WriteAsync(ctx => store.CreatePatient(ctx, tenant, request.Id, request.Fields), cancellationToken);
        return TypedResults.Created($"/api/v1/patients/{patient.Id}", patient);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ReferenceStore store, string? departmentId, string? status, string? cursor, int? limit)
    {
        var take = limit ?? 100;
        if (take is < 1 or > 1000)
        {
            return Problems.Invalid("limit", "must be between 1 and 1000");
        }

        var items = await store.ListPatientsAsync(Caller.From(http.User).Tenant, departmentId, status, cursor, take + 1);
        var more = items.Count > take;
        var page = more ? items.Take(take).ToList() : items;
        return TypedResults.Ok(new Page<Patient>(page, more ? page[^1].Id : null));
    }

    private static async Task<IResult> GetAsync(HttpContext http, ReferenceStore store, string id)
    {
        var patient = await store.GetPatientAsync(Caller.From(http.User).Tenant, id);
        return patient is null ? Problems.NotFound($"Patient '{id}'") : TypedResults.Ok(patient);
    }

    private static async Task<IResult> UpdateAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, TimeProvider clock, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        var (request, problem) = await ReadAsync(http, tenant, id, clock.GetUtcNow(), cancellationToken);
        return request is null
            ? problem!
            : TypedResults.Ok(await writer.WriteAsync(ctx => store.UpdatePatient(ctx, tenant, id, request.Fields), cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        await writer.WriteAsync(ctx => store.DeletePatient(ctx, tenant, id), cancellationToken);
        return TypedResults.NoContent();
    }
}

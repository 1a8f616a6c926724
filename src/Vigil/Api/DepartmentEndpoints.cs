using Vigil.Domain;
using Vigil.Security;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary>Departments (wards, units) of the caller's customer, under <c>/api/v1/customers/{customerId}/departments</c>.</summary>
public static class DepartmentEndpoints
{
    public sealed record DepartmentRequest(string? Id, string? Name);

    public static RouteGroupBuilder MapDepartments(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/customers/{customerId}/departments").WithTags("Departments");
        group.MapPost("/", CreateAsync).RequireAuthorization(Access.Manage);
        group.MapGet("/", ListAsync).RequireAuthorization(Access.Read);
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Access.Read);
        group.MapPut("/{id}", UpdateAsync).RequireAuthorization(Access.Manage);
        group.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Access.Manage);
        return group;
    }

    private static bool Own(HttpContext http, string customerId) => Caller.From(http.User).Tenant == customerId;

    private static async Task<IResult> CreateAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, string customerId, CancellationToken cancellationToken)
    {
        if (!Own(http, customerId))
        {
            return Problems.NotFound($"Customer '{customerId}'");
        }

        var (body, problem) = await JsonBody.ReadAsync<DepartmentRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new List<FieldError>();
        var id = FieldRules.Id(body!.Id, "id", errors) ?? Identifiers.New();
        var name = FieldRules.Text(body.Name, "name", 200, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var department = await writer.WriteAsync(ctx => store.CreateDepartment(ctx, customerId, id, name), cancellationToken);
        return TypedResults.Created($"/api/v1/customers/{customerId}/departments/{department.Id}", department);
    }

    private static async Task<IResult> ListAsync(HttpContext http, ReferenceStore store, string customerId) =>
        Own(http, customerId) ? TypedResults.Ok(await store.ListDepartmentsAsync(customerId)) : Problems.NotFound($"Customer '{customerId}'");

    private static async Task<IResult> GetAsync(HttpContext http, ReferenceStore store, string customerId, string id)
    {
        var department = Own(http, customerId) ? await store.GetDepartmentAsync(customerId, id) : null;
        return department is null ? Problems.NotFound($"Department '{id}'") : TypedResults.Ok(department);
    }

    private static async Task<IResult> UpdateAsync(
        HttpContext http, ReferenceStore store, GroupCommitter writer, string customerId, string id, CancellationToken cancellationToken)
    {
        if (!Own(http, customerId))
        {
            return Problems.NotFound($"Department '{id}'");
        }

        var (body, problem) = await JsonBody.ReadAsync<DepartmentRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new List<FieldError>();
        if (body!.Id is not null && body.Id != id)
        {
            errors.Add(new FieldError(null, "id", "must match the id in the path (ids never change)"));
        }

        var name = FieldRules.Text(body.Name, "name", 200, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        return TypedResults.Ok(await writer.WriteAsync(ctx => store.UpdateDepartment(ctx, customerId, id, name), cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, string customerId, string id, CancellationToken cancellationToken)
    {
        if (!Own(http, customerId))
        {
            return Problems.NotFound($"Department '{id}'");
        }

        await writer.WriteAsync(ctx => store.DeleteDepartment(ctx, customerId, id), cancellationToken);
        return TypedResults.NoContent();
    }
}

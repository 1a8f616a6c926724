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

    private static Task<(ReferenceRequest.Parsed<string>? Value, IResult? Problem)> ReadAsync(HttpContext http, string? pathId, CancellationToken cancellationToken) =>
        ReferenceRequest.ReadAsync<DepartmentRequest, string>(
            http.Request, null, pathId, "Department", b => b.Id, _ => null, (b, errors) => FieldRules.Text(b.Name, "name", 200, errors), cancellationToken);

    private static async Task<IResult> CreateAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, string customerId, CancellationToken cancellationToken)
    {
        if (!Own(http, customerId))
        {
            return Problems.NotFound($"Customer '{customerId}'");
        }

        var (request, problem) = await ReadAsync(http, null, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var department = await writer.WriteAsync(ctx => store.CreateDepartment(ctx, customerId, request.Id, request.Fields), cancellationToken);
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

        var (request, problem) = await ReadAsync(http, id, cancellationToken);
        return request is null
            ? problem!
            : TypedResults.Ok(await writer.WriteAsync(ctx => store.UpdateDepartment(ctx, customerId, id, request.Fields), cancellationToken));
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

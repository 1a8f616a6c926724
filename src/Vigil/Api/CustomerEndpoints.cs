using Vigil.Domain;
using Vigil.Domain.Reference;
using Vigil.Security;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary>Customers (tenants). A system key creates and deletes them; a customer's own admin may rename it; its people see only it.</summary>
public static class CustomerEndpoints
{
    public sealed record CustomerRequest(string? Id, string? Name);

    public static RouteGroupBuilder MapCustomers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/customers").WithTags("Customers");
        group.MapPost("/", CreateAsync).RequireAuthorization(Access.System);
        group.MapGet("/", async (HttpContext http, ReferenceStore store) =>
            TypedResults.Ok(await store.ListCustomersAsync(Caller.From(http.User).CustomerId))).RequireAuthorization(Access.Customers);
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Access.Customers);
        group.MapPut("/{id}", UpdateAsync).RequireAuthorization(Access.Keys);
        group.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Access.System);
        return group;
    }

    /// <summary>A tenant's caller may only touch its own customer; any other id is "not found" so existence does not leak.</summary>
    internal static bool Visible(Caller caller, string id) => caller.CustomerId is null || caller.CustomerId == id;

    private static Task<(ReferenceRequest.Parsed<string>? Value, IResult? Problem)> ReadAsync(HttpContext http, string? pathId, CancellationToken cancellationToken) =>
        ReferenceRequest.ReadAsync<CustomerRequest, string>(
            http.Request, null, pathId, "Customer", b => b.Id, _ => null, (b, errors) => FieldRules.Text(b.Name, "name", 200, errors), cancellationToken);

    private static async Task<IResult> CreateAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, CancellationToken cancellationToken)
    {
        var (request, problem) = await ReadAsync(http, null, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var customer = await writer.WriteAsync(ctx => store.CreateCustomer(ctx, request.Id, request.Fields), cancellationToken);
        return TypedResults.Created($"/api/v1/customers/{customer.Id}", customer);
    }

    private static async Task<IResult> GetAsync(HttpContext http, ReferenceStore store, string id)
    {
        var customer = Visible(Caller.From(http.User), id) ? await store.GetCustomerAsync(id) : null;
        return customer is null ? Problems.NotFound($"Customer '{id}'") : TypedResults.Ok(customer);
    }

    private static async Task<IResult> UpdateAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, string id, CancellationToken cancellationToken)
    {
        if (!Visible(Caller.From(http.User), id))
        {
            return Problems.NotFound($"Customer '{id}'");
        }

        var (request, problem) = await ReadAsync(http, id, cancellationToken);
        return request is null
            ? problem!
            : TypedResults.Ok(await writer.WriteAsync(ctx => store.UpdateCustomer(ctx, id, request.Fields), cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(ReferenceStore store, GroupCommitter writer, string id, CancellationToken cancellationToken)
    {
        await writer.WriteAsync(ctx => store.DeleteCustomer(ctx, id), cancellationToken);
        return TypedResults.NoContent();
    }
}

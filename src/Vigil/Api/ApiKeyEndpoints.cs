using Vigil.Domain;
using Vigil.Domain.Reference;
using Vigil.Security;
using Vigil.Storage.Security;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary>
/// API keys: an admin creates keys for its own customer (a system admin for any customer, or system keys); the key is
/// in the creation answer only. Listing never shows secrets. POST .../rotate gives a key a new secret (shown in that
/// answer only) and refuses the old one; DELETE revokes. Both take effect at once in this process and within
/// <see cref="ApiKeyCache.Ttl"/> in others.
/// </summary>
public static class ApiKeyEndpoints
{
    public sealed record ApiKeyRequest(string? Name, string? Role, string? CustomerId);

    public sealed record CreatedKey(string Id, string? CustomerId, string Name, string Role, DateTimeOffset CreatedAt, string Key);

    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/api-keys").WithTags("API keys").RequireAuthorization(Access.Keys);
        group.MapPost("/", CreateAsync);
        group.MapGet("/", async (HttpContext http, ApiKeyStore store) => TypedResults.Ok(await store.ListAsync(Caller.From(http.User).CustomerId)));
        group.MapGet("/{id}", GetAsync);
        group.MapPost("/{id}/rotate", RotateAsync);
        group.MapDelete("/{id}", RevokeAsync);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, ApiKeyStore store, GroupCommitter writer, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var (body, problem) = await JsonBody.ReadAsync<ApiKeyRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (caller.CustomerId is not null && body!.CustomerId is not null && body.CustomerId != caller.CustomerId)
        {
            return Problems.NotFound($"Customer '{body.CustomerId}'");
        }

        var errors = new List<FieldError>();
        var name = FieldRules.Text(body!.Name, "name", 200, errors);
        var role = FieldRules.OneOf(body.Role, "role", Role.All, "", errors);
        if (body.Role is null)
        {
            errors.Add(new FieldError(null, "role", "is required"));
        }

        var customerId = caller.CustomerId ?? body.CustomerId;
        if (customerId is null && role != Role.Admin && body.Role is not null)
        {
            errors.Add(new FieldError(null, "customerId", "is required for this role: only admin keys may belong to no customer"));
        }

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var (info, key) = await writer.WriteAsync(ctx => store.Create(ctx, customerId, name, role, caller.Id), cancellationToken);
        return TypedResults.Created($"/api/v1/api-keys/{info.Id}", new CreatedKey(info.Id, info.CustomerId, info.Name, info.Role, info.CreatedAt, key));
    }

    private static async Task<IResult> GetAsync(HttpContext http, ApiKeyStore store, string id) =>
        await store.GetAsync(id, Caller.From(http.User).CustomerId) is { } key ? TypedResults.Ok(key) : Problems.NotFound($"API key '{id}'");

    private static async Task<IResult> RotateAsync(HttpContext http, ApiKeyStore store, ApiKeyCache cache, GroupCommitter writer, string id, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var rotated = await ChangeAsync(writer, cache, id, ctx => store.Rotate(ctx, id, caller.CustomerId), cancellationToken);
        return rotated is var (info, key)
            ? TypedResults.Ok(new CreatedKey(info.Id, info.CustomerId, info.Name, info.Role, info.CreatedAt, key))
            : Problems.NotFound($"API key '{id}'");
    }

    private static async Task<IResult> RevokeAsync(HttpContext http, ApiKeyStore store, ApiKeyCache cache, GroupCommitter writer, string id, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var revoked = await ChangeAsync(writer, cache, id, ctx => store.Revoke(ctx, id, caller.CustomerId), cancellationToken);
        return revoked ? TypedResults.NoContent() : Problems.NotFound($"API key '{id}'");
    }

    /// <summary>Changes a key and drops it from this process's cache once the change is committed, so its old state is refused at once.</summary>
    private static Task<T> ChangeAsync<T>(GroupCommitter writer, ApiKeyCache cache, string id, Func<Storage.Writes.WriteContext, T> change, CancellationToken cancellationToken) =>
        writer.WriteAsync(ctx =>
        {
            var done = change(ctx);
            ctx.OnCommitted(() => cache.Forget(id));
            return done;
        }, cancellationToken);
}

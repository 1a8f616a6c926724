using Vigil.Domain;
using Vigil.Security;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Api;

/// <summary>Devices of the caller's customer, optionally assigned to a patient.</summary>
public static class DeviceEndpoints
{
    public sealed record DeviceRequest(string? Id, string? CustomerId, string? Serial, string? Type, string? PatientId);

    public static RouteGroupBuilder MapDevices(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/devices").WithTags("Devices");
        group.MapPost("/", CreateAsync).RequireAuthorization(Access.Manage);
        group.MapGet("/", async (HttpContext http, ReferenceStore store, string? patientId) =>
            TypedResults.Ok(await store.ListDevicesAsync(Caller.From(http.User).Tenant, patientId))).RequireAuthorization(Access.Read);
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Access.Read);
        group.MapPut("/{id}", UpdateAsync).RequireAuthorization(Access.Manage);
        group.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Access.Manage);
        return group;
    }

    private static DeviceFields Validate(DeviceRequest body, List<FieldError> errors) => new(
        FieldRules.Text(body.Serial, "serial", 128, errors),
        FieldRules.Text(body.Type, "type", 64, errors),
        FieldRules.Id(body.PatientId, "patientId", errors));

    private static async Task<IResult> CreateAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        var (body, problem) = await JsonBody.ReadAsync<DeviceRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.CustomerId is not null && body.CustomerId != tenant)
        {
            return Problems.NotFound($"Customer '{body.CustomerId}'");
        }

        var errors = new List<FieldError>();
        var id = FieldRules.Id(body.Id, "id", errors) ?? Identifiers.New();
        var fields = Validate(body, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var device = await writer.WriteAsync(ctx => store.CreateDevice(ctx, tenant, id, fields), cancellationToken);
        return TypedResults.Created($"/api/v1/devices/{device.Id}", device);
    }

    private static async Task<IResult> GetAsync(HttpContext http, ReferenceStore store, string id)
    {
        var device = await store.GetDeviceAsync(Caller.From(http.User).Tenant, id);
        return device is null ? Problems.NotFound($"Device '{id}'") : TypedResults.Ok(device);
    }

    private static async Task<IResult> UpdateAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        var (body, problem) = await JsonBody.ReadAsync<DeviceRequest>(http.Request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        if (body!.CustomerId is not null && body.CustomerId != tenant)
        {
            return Problems.NotFound($"Device '{id}'");
        }

        var errors = new List<FieldError>();
        if (body.Id is not null && body.Id != id)
        {
            errors.Add(new FieldError(null, "id", "must match the id in the path (ids never change)"));
        }

        var fields = Validate(body, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        return TypedResults.Ok(await writer.WriteAsync(ctx => store.UpdateDevice(ctx, tenant, id, fields), cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        await writer.WriteAsync(ctx => store.DeleteDevice(ctx, tenant, id), cancellationToken);
        return TypedResults.NoContent();
    }
}

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

    private static Task<(ReferenceRequest.Parsed<DeviceFields>? Value, IResult? Problem)> ReadAsync(
        HttpContext http, string tenant, string? pathId, CancellationToken cancellationToken) =>
        ReferenceRequest.ReadAsync<DeviceRequest, DeviceFields>(
            http.Request, tenant, pathId, pathId is null ? "Customer" : $"Device '{pathId}'", b => b.Id, b => b.CustomerId,
            (b, errors) => new DeviceFields(
                FieldRules.Text(b.Serial, "serial", 128, errors),
                FieldRules.Text(b.Type, "type", 64, errors),
                FieldRules.Id(b.PatientId, "patientId", errors)),
            cancellationToken);

    private static async Task<IResult> CreateAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        var (request, problem) = await ReadAsync(http, tenant, null, cancellationToken);
        if (request is null)
        {
            return problem!;
        }

        var device = await writer.WriteAsync(ctx => store.CreateDevice(ctx, tenant, request.Id, request.Fields), cancellationToken);
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
        var (request, problem) = await ReadAsync(http, tenant, id, cancellationToken);
        return request is null
            ? problem!
            : TypedResults.Ok(await writer.WriteAsync(ctx => store.UpdateDevice(ctx, tenant, id, request.Fields), cancellationToken));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, ReferenceStore store, GroupCommitter writer, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        await writer.WriteAsync(ctx => store.DeleteDevice(ctx, tenant, id), cancellationToken);
        return TypedResults.NoContent();
    }
}

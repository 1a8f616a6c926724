using Dapper;
using Vigil.Domain;
using Vigil.Domain.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Reference;

public sealed partial class ReferenceStore
{
    private const string DeviceColumns = "id, customer_id, serial, type, patient_id, created_at, updated_at";

    private sealed record DeviceRow(string Id, string CustomerId, string Serial, string Type, string? PatientId, long CreatedAt, long UpdatedAt)
    {
        public Device ToDevice() => new(Id, CustomerId, Serial, Type, PatientId, Time(CreatedAt), Time(UpdatedAt));
    }

    public Device CreateDevice(WriteContext ctx, string customerId, string id, DeviceFields f)
    {
        RequireCustomer(ctx, customerId);
        RequirePatient(ctx, customerId, f.PatientId);
        ExecuteUnique(
            ctx,
            $"INSERT INTO devices ({DeviceColumns}) VALUES (@id, @customerId, @Serial, @Type, @PatientId, @now, @now)",
            new { id, customerId, f.Serial, f.Type, f.PatientId, now = Micros(ctx.Now) },
            $"A device with id '{id}' or serial '{f.Serial}' already exists.");

        var device = new Device(id, customerId, f.Serial, f.Type, f.PatientId, ctx.Now, ctx.Now);
        AppendChange(ctx, "device", "upserted", customerId, id, Domain.Log.Keys.Entity(customerId, "device", id), device);
        return device;
    }

    public Device UpdateDevice(WriteContext ctx, string customerId, string id, DeviceFields f)
    {
        RequirePatient(ctx, customerId, f.PatientId);
        var updated = ExecuteUnique(
            ctx,
            """
            UPDATE devices SET serial = @Serial, type = @Type, patient_id = @PatientId, updated_at = @now
            WHERE customer_id = @customerId AND id = @id
            """,
            new { id, customerId, f.Serial, f.Type, f.PatientId, now = Micros(ctx.Now) },
            $"Another device already has serial '{f.Serial}'.");

        // Read back with SELECT, not RETURNING: SQLite types a NULL from RETURNING as a blob, which breaks the mapping.
        var device = updated == 0
            ? throw RejectedException.NotFound($"Device '{id}'")
            : ctx.Connection.QuerySingle<DeviceRow>(
                $"SELECT {DeviceColumns} FROM devices WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction).ToDevice();
        AppendChange(ctx, "device", "upserted", customerId, id, Domain.Log.Keys.Entity(customerId, "device", id), device);
        return device;
    }

    public void DeleteDevice(WriteContext ctx, string customerId, string id)
    {
        if (ctx.Connection.Execute("DELETE FROM devices WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction) == 0)
        {
            throw RejectedException.NotFound($"Device '{id}'");
        }

        AppendChange(ctx, "device", "deleted", customerId, id, Domain.Log.Keys.Entity(customerId, "device", id), new { id });
    }

    public async Task<Device?> GetDeviceAsync(string customerId, string id)
    {
        await using var c = Read();
        var row = await c.QuerySingleOrDefaultAsync<DeviceRow>(
            $"SELECT {DeviceColumns} FROM devices WHERE customer_id = @customerId AND id = @id", new { customerId, id });
        return row?.ToDevice();
    }

    public async Task<IReadOnlyList<Device>> ListDevicesAsync(string customerId, string? patientId)
    {
        await using var c = Read();
        var rows = await c.QueryAsync<DeviceRow>(
            $"SELECT {DeviceColumns} FROM devices WHERE customer_id = @customerId AND (@patientId IS NULL OR patient_id = @patientId) ORDER BY id",
            new { customerId, patientId });
        return rows.Select(r => r.ToDevice()).ToList();
    }

    private static void RequirePatient(WriteContext ctx, string customerId, string? patientId)
    {
        if (patientId is not null
            && ctx.Connection.ExecuteScalar<long?>("SELECT 1 FROM patients WHERE customer_id = @customerId AND id = @patientId", new { customerId, patientId }, ctx.Transaction) is null)
        {
            throw RejectedException.Invalid("patientId", $"'{patientId}' is not a patient of this customer");
        }
    }
}

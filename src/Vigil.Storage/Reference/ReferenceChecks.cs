using Vigil.Domain;
using Vigil.Storage.Writes;

namespace Vigil.Storage;

/// <summary>Checks, inside the write transaction, that the patients and devices an ingest names are the caller's customer's.</summary>
internal static class ReferenceChecks
{
    public static void RequirePatientsAndDevices<T>(
        WriteContext ctx, string customerId, IReadOnlyList<T> items, Func<T, string> patientOf, Func<T, string?> deviceOf)
    {
        var patients = new Dictionary<string, bool>();
        var devices = new Dictionary<string, bool>();
        if (ctx.Dialect == SqlDialect.Postgres)
        {
            // One round trip for all of a request's patients and one for its devices, instead of one per id.
            Lookup(ctx, "patients", customerId, items.Select(patientOf), patients);
            Lookup(ctx, "devices", customerId, items.Select(deviceOf).OfType<string>(), devices);
        }

        var errors = new List<FieldError>();
        var patientQuery = ctx.Statement("patient-exists", "SELECT 1 FROM patients WHERE customer_id = ?1 AND id = ?2");
        var deviceQuery = ctx.Statement("device-exists", "SELECT 1 FROM devices WHERE customer_id = ?1 AND id = ?2");
        for (var i = 0; i < items.Count; i++)
        {
            var patientId = patientOf(items[i]);
            if (!patients.TryGetValue(patientId, out var known))
            {
                patients[patientId] = known = patientQuery.Bind(1, customerId).Bind(2, patientId).QueryFirst(static _ => { });
            }

            if (!known)
            {
                errors.Add(new FieldError(i, "patientId", $"'{patientId}' is not a patient of this customer"));
            }

            if (deviceOf(items[i]) is { } deviceId)
            {
                if (!devices.TryGetValue(deviceId, out var knownDevice))
                {
                    devices[deviceId] = knownDevice = deviceQuery.Bind(1, customerId).Bind(2, deviceId).QueryFirst(static _ => { });
                }

                if (!knownDevice)
                {
                    errors.Add(new FieldError(i, "deviceId", $"'{deviceId}' is not a device of this customer"));
                }
            }
        }

        if (errors.Count > 0)
        {
            throw RejectedException.Invalid(errors);
        }
    }

    /// <summary>Marks which of <paramref name="ids"/> exist in <paramref name="table"/> for the customer (PostgreSQL: an array parameter).</summary>
    private static void Lookup(WriteContext ctx, string table, string customerId, IEnumerable<string> ids, Dictionary<string, bool> known)
    {
        var wanted = ids.Distinct().ToArray();
        if (wanted.Length == 0)
        {
            return;
        }

        foreach (var id in wanted)
        {
            known[id] = false;
        }

        foreach (var id in Dapper.SqlMapper.Query<string>(ctx.Connection,
                     $"SELECT id FROM {table} WHERE customer_id = @customerId AND id = ANY(@wanted)", new { customerId, wanted }, ctx.Transaction))
        {
            known[id] = true;
        }
    }
}

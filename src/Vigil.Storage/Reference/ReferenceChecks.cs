using Dapper;
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
        var errors = new List<FieldError>();
        var patientQuery = ctx.Prepared("patient-exists", c => Command(c, "SELECT 1 FROM patients WHERE customer_id = @c AND id = @id"));
        var deviceQuery = ctx.Prepared("device-exists", c => Command(c, "SELECT 1 FROM devices WHERE customer_id = @c AND id = @id"));
        for (var i = 0; i < items.Count; i++)
        {
            var patientId = patientOf(items[i]);
            if (!patients.TryGetValue(patientId, out var known))
            {
                patients[patientId] = known = Exists(patientQuery, customerId, patientId);
            }

            if (!known)
            {
                errors.Add(new FieldError(i, "patientId", $"'{patientId}' is not a patient of this customer"));
            }

            if (deviceOf(items[i]) is { } deviceId)
            {
                if (!devices.TryGetValue(deviceId, out var knownDevice))
                {
                    devices[deviceId] = knownDevice = Exists(deviceQuery, customerId, deviceId);
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

    private static System.Data.Common.DbCommand Command(System.Data.Common.DbConnection connection, string sql)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in new[] { "@c", "@id" })
        {
            var p = command.CreateParameter();
            p.ParameterName = name;
            command.Parameters.Add(p);
        }

        return command;
    }

    private static bool Exists(System.Data.Common.DbCommand query, string customerId, string id)
    {
        query.Parameters[0].Value = customerId;
        query.Parameters[1].Value = id;
        return query.ExecuteScalar() is not null;
    }
}

using Dapper;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Reference;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Reference;

public sealed partial class ReferenceStore
{
    private const string PatientColumns = "id, customer_id, department_id, mrn, name, birth_date, spo2_scale, status, created_at, updated_at";

    private sealed record PatientRow(
        string Id, string CustomerId, string? DepartmentId, string? Mrn, string Name, string? BirthDate, long Spo2Scale, string Status, long CreatedAt, long UpdatedAt)
    {
        public Patient ToPatient() => new(Id, CustomerId, DepartmentId, Mrn, Name, BirthDate, (int)Spo2Scale, Status, Time(CreatedAt), Time(UpdatedAt));
    }

    public Patient CreatePatient(WriteContext ctx, string customerId, string id, PatientFields f)
    {
        RequireCustomer(ctx, customerId);
        RequireDepartment(ctx, customerId, f.DepartmentId);
        ExecuteUnique(
            ctx,
            $"""
            INSERT INTO patients ({PatientColumns})
            VALUES (@id, @customerId, @DepartmentId, @Mrn, @Name, @BirthDate, @Spo2Scale, @Status, @now, @now)
            """,
            new { id, customerId, f.DepartmentId, f.Mrn, f.Name, f.BirthDate, f.Spo2Scale, f.Status, now = Micros(ctx.Now) },
            $"A patient with id '{id}' or MRN '{f.Mrn}' already exists.");

        var patient = new Patient(id, customerId, f.DepartmentId, f.Mrn, f.Name, f.BirthDate, f.Spo2Scale, f.Status, ctx.Now, ctx.Now);
        AppendChange(ctx, "patient", "upserted", customerId, id, Domain.Log.Keys.Patient(customerId, id), patient);
        return patient;
    }

    public Patient UpdatePatient(WriteContext ctx, string customerId, string id, PatientFields f)
    {
        RequireDepartment(ctx, customerId, f.DepartmentId);
        var updated = ExecuteUnique(
            ctx,
            """
            UPDATE patients SET department_id = @DepartmentId, mrn = @Mrn, name = @Name, birth_date = @BirthDate,
                spo2_scale = @Spo2Scale, status = @Status, updated_at = @now
            WHERE customer_id = @customerId AND id = @id
            """,
            new { id, customerId, f.DepartmentId, f.Mrn, f.Name, f.BirthDate, f.Spo2Scale, f.Status, now = Micros(ctx.Now) },
            $"Another patient already has MRN '{f.Mrn}'.");

        // Read back with SELECT, not RETURNING: SQLite types a NULL from RETURNING as a blob, which breaks the mapping.
        var patient = updated == 0
            ? throw RejectedException.NotFound($"Patient '{id}'")
            : ctx.Connection.QuerySingle<PatientRow>(
                $"SELECT {PatientColumns} FROM patients WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction).ToPatient();
        AppendChange(ctx, "patient", "upserted", customerId, id, Domain.Log.Keys.Patient(customerId, id), patient);
        return patient;
    }

    /// <summary>The patient as the write transaction sees it, for a change computed from its current fields.</summary>
    public static Patient? FindPatient(WriteContext ctx, string customerId, string id) =>
        ctx.Connection.QuerySingleOrDefault<PatientRow>(
            $"SELECT {PatientColumns} FROM patients WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction)?.ToPatient();

    /// <summary>Deletes a patient that has no data. A patient with readings or events is discharged instead, never deleted.</summary>
    public void DeletePatient(WriteContext ctx, string customerId, string id)
    {
        if (ctx.Connection.ExecuteScalar<long?>("SELECT 1 FROM patients WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction) is null)
        {
            throw RejectedException.NotFound($"Patient '{id}'");
        }

        if (ctx.Connection.ExecuteScalar<long?>(
                """
                SELECT 1 WHERE EXISTS (SELECT 1 FROM readings_by_patient WHERE customer_id = @customerId AND patient_id = @id)
                            OR EXISTS (SELECT 1 FROM readings WHERE seq > (SELECT indexed_upto FROM readings_index_state WHERE id = 1)
                                                                AND customer_id = @customerId AND patient_id = @id)
                            OR EXISTS (SELECT 1 FROM events WHERE customer_id = @customerId AND patient_id = @id)
                            OR EXISTS (SELECT 1 FROM alerts WHERE customer_id = @customerId AND patient_id = @id)
                """, new { customerId, id }, ctx.Transaction) is not null)
        {
            throw new RejectedException(RejectionKind.Conflict,
                $"Patient '{id}' has readings, events or alerts, which are part of the clinical record; set status to 'discharged' instead.");
        }

        ctx.Connection.Execute("UPDATE devices SET patient_id = NULL, updated_at = @now WHERE customer_id = @customerId AND patient_id = @id",
            new { customerId, id, now = Micros(ctx.Now) }, ctx.Transaction);
        ctx.Connection.Execute("DELETE FROM patients WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction);
        ThresholdStore.RemoveScope(ctx, log, customerId, new ThresholdScope(ThresholdScope.Patient, id));
        AppendChange(ctx, "patient", "deleted", customerId, id, Domain.Log.Keys.Patient(customerId, id), new { id });
    }

    public async Task<Patient?> GetPatientAsync(string customerId, string id)
    {
        await using var c = Read();
        var row = await c.QuerySingleOrDefaultAsync<PatientRow>(
            $"SELECT {PatientColumns} FROM patients WHERE customer_id = @customerId AND id = @id", new { customerId, id });
        return row?.ToPatient();
    }

    /// <summary>The id of the customer's patient with medical record number <paramref name="mrn"/>, or null.</summary>
    public async Task<string?> FindPatientIdByMrnAsync(string customerId, string mrn)
    {
        await using var c = Read();
        return await c.ExecuteScalarAsync<string?>(
            "SELECT id FROM patients WHERE customer_id = @customerId AND mrn = @mrn", new { customerId, mrn });
    }

    /// <summary>Whether <paramref name="patientId"/> is a patient of the customer: the gate of every per-patient query.</summary>
    public async Task<bool> PatientExistsAsync(string customerId, string patientId)
    {
        if (!Identifiers.IsValid(patientId))
        {
            return false;
        }

        await using var c = Read();
        return await c.ExecuteScalarAsync<long?>(
            "SELECT 1 FROM patients WHERE customer_id = @customerId AND id = @patientId", new { customerId, patientId }) is not null;
    }

    /// <summary>Patients of a customer in id order, optionally of one department or status, after <paramref name="afterId"/>.</summary>
    public async Task<IReadOnlyList<Patient>> ListPatientsAsync(string customerId, string? departmentId, string? status, string? afterId, int limit)
    {
        await using var c = Read();
        var rows = await c.QueryAsync<PatientRow>(
            $"""
            SELECT {PatientColumns} FROM patients
            WHERE customer_id = @customerId AND (@departmentId IS NULL OR department_id = @departmentId)
              AND (@status IS NULL OR status = @status) AND (@afterId IS NULL OR id > @afterId)
            ORDER BY id LIMIT @limit
            """, new { customerId, departmentId, status, afterId, limit });
        return rows.Select(r => r.ToPatient()).ToList();
    }
}

using Dapper;
using Vigil.Domain;
using Vigil.Domain.Insights;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Goals;

/// <summary>Health goals (table <c>health_goals</c>), one per patient and kind, scoped to their customer.</summary>
public sealed class GoalStore(IDatabase db)
{
    /// <summary>A goal's settings as a request gives them.</summary>
    public sealed record Fields(string Kind, double Target, string Direction, string Period, string? Note);

    private sealed record Row(
        string Id, string CustomerId, string PatientId, string Kind, double Target, string Direction, string Period, string? Note, long CreatedAt, long UpdatedAt)
    {
        public HealthGoal ToGoal() => new(
            Id, CustomerId, PatientId, Kind, Target, Direction, Period, Note, EventTime.FromMicros(CreatedAt), EventTime.FromMicros(UpdatedAt));
    }

    private const string Columns =
        "id, customer_id AS CustomerId, patient_id AS PatientId, kind, target, direction, period, note, created_at AS CreatedAt, updated_at AS UpdatedAt";

    /// <summary>Adds a goal to one of the customer's patients; 404 for a patient it does not have, 409 when the patient has a goal of that kind.</summary>
    public HealthGoal Create(WriteContext ctx, string customerId, string patientId, Fields f, string by)
    {
        if (ReferenceStore.FindPatient(ctx, customerId, patientId) is null)
        {
            throw RejectedException.NotFound($"Patient '{patientId}'");
        }

        if (ctx.Connection.ExecuteScalar<long>(
                "SELECT COUNT(*) FROM health_goals WHERE customer_id = @customerId AND patient_id = @patientId AND kind = @kind",
                new { customerId, patientId, kind = f.Kind }, ctx.Transaction) > 0)
        {
            throw new RejectedException(RejectionKind.Conflict, $"Patient '{patientId}' already has a {f.Kind} goal; change it with PUT.",
                [new FieldError(null, "kind", "the patient already has a goal of this kind")]);
        }

        var now = EventTime.ToMicros(ctx.Now);
        var id = Identifiers.New();
        ctx.Connection.Execute(
            """
            INSERT INTO health_goals (id, customer_id, patient_id, kind, target, direction, period, note, created_at, updated_at, updated_by)
            VALUES (@id, @customerId, @patientId, @kind, @target, @direction, @period, @note, @now, @now, @by)
            """,
            new { id, customerId, patientId, kind = f.Kind, target = f.Target, direction = f.Direction, period = f.Period, note = f.Note, now, by },
            ctx.Transaction);
        return Find(ctx, customerId, patientId, id)!;
    }

    /// <summary>Replaces a goal's target, direction, period and note (its kind stays); null when the patient has no such goal.</summary>
    public HealthGoal? Update(WriteContext ctx, string customerId, string patientId, string id, Fields f, string by)
    {
        var changed = ctx.Connection.Execute(
            """
            UPDATE health_goals SET target = @target, direction = @direction, period = @period, note = @note, updated_at = @now, updated_by = @by
            WHERE customer_id = @customerId AND patient_id = @patientId AND id = @id
            """,
            new { customerId, patientId, id, target = f.Target, direction = f.Direction, period = f.Period, note = f.Note, now = EventTime.ToMicros(ctx.Now), by },
            ctx.Transaction);
        return changed == 0 ? null : Find(ctx, customerId, patientId, id);
    }

    public bool Delete(WriteContext ctx, string customerId, string patientId, string id) =>
        ctx.Connection.Execute("DELETE FROM health_goals WHERE customer_id = @customerId AND patient_id = @patientId AND id = @id",
            new { customerId, patientId, id }, ctx.Transaction) > 0;

    /// <summary>The goal as the write transaction sees it.</summary>
    public static HealthGoal? Find(WriteContext ctx, string customerId, string patientId, string id) =>
        ctx.Connection.QuerySingleOrDefault<Row>(
            $"SELECT {Columns} FROM health_goals WHERE customer_id = @customerId AND patient_id = @patientId AND id = @id",
            new { customerId, patientId, id }, ctx.Transaction)?.ToGoal();

    public async Task<IReadOnlyList<HealthGoal>> ListAsync(string customerId, string patientId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM health_goals WHERE customer_id = @customerId AND patient_id = @patientId ORDER BY kind",
            new { customerId, patientId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToGoal())];
    }

    public async Task<HealthGoal?> GetAsync(string customerId, string patientId, string id, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM health_goals WHERE customer_id = @customerId AND patient_id = @patientId AND id = @id",
            new { customerId, patientId, id }, cancellationToken: cancellationToken));
        return row?.ToGoal();
    }
}

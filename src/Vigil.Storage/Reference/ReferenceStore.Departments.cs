using Dapper;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Reference;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Reference;

public sealed partial class ReferenceStore
{
    private const string DepartmentColumns = "id, customer_id, name, created_at, updated_at";

    private sealed record DepartmentRow(string Id, string CustomerId, string Name, long CreatedAt, long UpdatedAt)
    {
        public Department ToDepartment() => new(Id, CustomerId, Name, Time(CreatedAt), Time(UpdatedAt));
    }

    public Department CreateDepartment(WriteContext ctx, string customerId, string id, string name)
    {
        RequireCustomer(ctx, customerId);
        ExecuteUnique(
            ctx,
            "INSERT INTO departments (customer_id, id, name, created_at, updated_at) VALUES (@customerId, @id, @name, @now, @now)",
            new { customerId, id, name, now = Micros(ctx.Now) },
            $"A department with id '{id}' already exists.");

        var department = new Department(id, customerId, name, ctx.Now, ctx.Now);
        AppendChange(ctx, "department", "upserted", customerId, id, Domain.Log.Keys.Entity(customerId, "department", id), department);
        return department;
    }

    public Department UpdateDepartment(WriteContext ctx, string customerId, string id, string name)
    {
        var row = ctx.Connection.QuerySingleOrDefault<DepartmentRow>(
            $"UPDATE departments SET name = @name, updated_at = @now WHERE customer_id = @customerId AND id = @id RETURNING {DepartmentColumns}",
            new { customerId, id, name, now = Micros(ctx.Now) }, ctx.Transaction) ?? throw RejectedException.NotFound($"Department '{id}'");
        var department = row.ToDepartment();
        AppendChange(ctx, "department", "upserted", customerId, id, Domain.Log.Keys.Entity(customerId, "department", id), department);
        return department;
    }

    public void DeleteDepartment(WriteContext ctx, string customerId, string id)
    {
        if (ctx.Connection.ExecuteScalar<long?>("SELECT 1 FROM departments WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction) is null)
        {
            throw RejectedException.NotFound($"Department '{id}'");
        }

        if (ctx.Connection.ExecuteScalar<long?>("SELECT 1 FROM patients WHERE customer_id = @customerId AND department_id = @id LIMIT 1", new { customerId, id }, ctx.Transaction) is not null)
        {
            throw new RejectedException(RejectionKind.Conflict, $"Department '{id}' still has patients; move them first.");
        }

        ctx.Connection.Execute("DELETE FROM departments WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction);
        ThresholdStore.RemoveScope(ctx, log, customerId, new ThresholdScope(ThresholdScope.Department, id));
        AppendChange(ctx, "department", "deleted", customerId, id, Domain.Log.Keys.Entity(customerId, "department", id), new { id });
    }

    public async Task<Department?> GetDepartmentAsync(string customerId, string id)
    {
        await using var c = Read();
        var row = await c.QuerySingleOrDefaultAsync<DepartmentRow>(
            $"SELECT {DepartmentColumns} FROM departments WHERE customer_id = @customerId AND id = @id", new { customerId, id });
        return row?.ToDepartment();
    }

    public async Task<IReadOnlyList<Department>> ListDepartmentsAsync(string customerId)
    {
        await using var c = Read();
        var rows = await c.QueryAsync<DepartmentRow>(
            $"SELECT {DepartmentColumns} FROM departments WHERE customer_id = @customerId ORDER BY id", new { customerId });
        return rows.Select(r => r.ToDepartment()).ToList();
    }

    private static void RequireCustomer(WriteContext ctx, string customerId)
    {
        if (ctx.Connection.ExecuteScalar<long?>("SELECT 1 FROM customers WHERE id = @customerId", new { customerId }, ctx.Transaction) is null)
        {
            throw RejectedException.NotFound($"Customer '{customerId}'");
        }
    }

    private static void RequireDepartment(WriteContext ctx, string customerId, string? departmentId)
    {
        if (departmentId is not null
            && ctx.Connection.ExecuteScalar<long?>("SELECT 1 FROM departments WHERE customer_id = @customerId AND id = @departmentId", new { customerId, departmentId }, ctx.Transaction) is null)
        {
            throw RejectedException.Invalid("departmentId", $"'{departmentId}' is not a department of this customer");
        }
    }
}

using Dapper;
using Vigil.Domain;
using Vigil.Domain.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Reference;

public sealed partial class ReferenceStore
{
    private const string CustomerColumns = "id, name, created_at, updated_at";

    private sealed record CustomerRow(string Id, string Name, long CreatedAt, long UpdatedAt)
    {
        public Customer ToCustomer() => new(Id, Name, Time(CreatedAt), Time(UpdatedAt));
    }

    public Customer CreateCustomer(WriteContext ctx, string id, string name)
    {
        ExecuteUnique(
            ctx,
            "INSERT INTO customers (id, name, created_at, updated_at) VALUES (@id, @name, @now, @now)",
            new { id, name, now = Micros(ctx.Now) },
            $"A customer with id '{id}' already exists.");

        var customer = new Customer(id, name, ctx.Now, ctx.Now);
        AppendChange(ctx, "customer", "upserted", id, id, Domain.Log.Keys.Entity(id, "customer", id), customer);
        return customer;
    }

    public Customer UpdateCustomer(WriteContext ctx, string id, string name)
    {
        var row = ctx.Connection.QuerySingleOrDefault<CustomerRow>(
            $"UPDATE customers SET name = @name, updated_at = @now WHERE id = @id RETURNING {CustomerColumns}",
            new { id, name, now = Micros(ctx.Now) }, ctx.Transaction) ?? throw RejectedException.NotFound($"Customer '{id}'");
        var customer = row.ToCustomer();
        AppendChange(ctx, "customer", "upserted", id, id, Domain.Log.Keys.Entity(id, "customer", id), customer);
        return customer;
    }

    public void DeleteCustomer(WriteContext ctx, string id)
    {
        var dependents = ctx.Connection.ExecuteScalar<long>(
            """
            SELECT (SELECT COUNT(*) FROM departments WHERE customer_id = @id) + (SELECT COUNT(*) FROM patients WHERE customer_id = @id)
                 + (SELECT COUNT(*) FROM devices WHERE customer_id = @id) + (SELECT COUNT(*) FROM api_keys WHERE customer_id = @id AND revoked_at IS NULL)
            """, new { id }, ctx.Transaction);
        if (ctx.Connection.ExecuteScalar<long?>("SELECT 1 FROM customers WHERE id = @id", new { id }, ctx.Transaction) is null)
        {
            throw RejectedException.NotFound($"Customer '{id}'");
        }

        if (dependents > 0)
        {
            throw new RejectedException(RejectionKind.Conflict,
                $"Customer '{id}' still has departments, patients, devices or active API keys; remove them first.");
        }

        ctx.Connection.Execute("DELETE FROM api_keys WHERE customer_id = @id", new { id }, ctx.Transaction);
        ctx.Connection.Execute("DELETE FROM hl7_senders WHERE customer_id = @id", new { id }, ctx.Transaction);
        ctx.Connection.Execute("DELETE FROM customers WHERE id = @id", new { id }, ctx.Transaction);
        AppendChange(ctx, "customer", "deleted", id, id, Domain.Log.Keys.Entity(id, "customer", id), new { id });
    }

    public async Task<Customer?> GetCustomerAsync(string id)
    {
        await using var c = Read();
        var row = await c.QuerySingleOrDefaultAsync<CustomerRow>($"SELECT {CustomerColumns} FROM customers WHERE id = @id", new { id });
        return row?.ToCustomer();
    }

    /// <summary>All customers, or only <paramref name="onlyId"/> when the caller belongs to one.</summary>
    public async Task<IReadOnlyList<Customer>> ListCustomersAsync(string? onlyId)
    {
        await using var c = Read();
        var rows = await c.QueryAsync<CustomerRow>(
            $"SELECT {CustomerColumns} FROM customers WHERE @onlyId IS NULL OR id = @onlyId ORDER BY id", new { onlyId });
        return rows.Select(r => r.ToCustomer()).ToList();
    }
}

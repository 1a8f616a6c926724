using System.Security.Cryptography;
using System.Text;
using Dapper;
using Vigil.Domain;
using Vigil.Domain.Reference;
using Vigil.Storage;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Security;

/// <summary>
/// API keys of the form <c>vgl_{id}_{secret}</c>: the id finds the row, and only SHA-256 of the secret is stored.
/// A 256-bit random secret needs no slow password hash: guessing it is already out of reach.
/// </summary>
public sealed class ApiKeyStore(IDatabase db)
{
    public sealed record StoredKey(ApiKeyInfo Info, byte[] SecretHash);

    private sealed record Row(string Id, string? CustomerId, string Name, string Role, string SecretHash, long CreatedAt, string? CreatedBy, long? RevokedAt)
    {
        public ApiKeyInfo ToInfo() => new(Id, CustomerId, Name, Role, EventTime.FromMicros(CreatedAt), CreatedBy,
            RevokedAt is { } r ? EventTime.FromMicros(r) : null);
    }

    private const string Columns = "id, customer_id, name, role, secret_hash, created_at, created_by, revoked_at";

    /// <summary>Creates a key and returns it with its one-time plain text.</summary>
    public (ApiKeyInfo Info, string Key) Create(WriteContext ctx, string? customerId, string name, string role, string? createdBy)
    {
        if (customerId is not null
            && ctx.Connection.ExecuteScalar<long?>("SELECT 1 FROM customers WHERE id = @customerId", new { customerId }, ctx.Transaction) is null)
        {
            throw RejectedException.NotFound($"Customer '{customerId}'");
        }

        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        ctx.Connection.Execute(
            $"INSERT INTO api_keys ({Columns}) VALUES (@id, @customerId, @name, @role, @hash, @now, @createdBy, NULL)",
            new { id, customerId, name, role, hash = Convert.ToHexStringLower(Hash(secret)), now = EventTime.ToMicros(ctx.Now), createdBy },
            ctx.Transaction);
        return (new ApiKeyInfo(id, customerId, name, role, ctx.Now, createdBy, null), $"vgl_{id}_{secret}");
    }

    /// <summary>
    /// Gives a live key of <paramref name="customerId"/> (any key when null) a new secret, keeping its id, name, role and
    /// customer; the old secret stops matching with this commit. Returns the key with its one-time plain text, or null
    /// when there is no such live key.
    /// </summary>
    public (ApiKeyInfo Info, string Key)? Rotate(WriteContext ctx, string id, string? customerId)
    {
        var secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var changed = ctx.Connection.Execute(
            "UPDATE api_keys SET secret_hash = @hash WHERE id = @id AND revoked_at IS NULL AND (@customerId IS NULL OR customer_id = @customerId)",
            new { id, customerId, hash = Convert.ToHexStringLower(Hash(secret)) }, ctx.Transaction);
        if (changed != 1)
        {
            return null;
        }

        var row = ctx.Connection.QuerySingle<Row>($"SELECT {Columns} FROM api_keys WHERE id = @id", new { id }, ctx.Transaction);
        return (row.ToInfo(), $"vgl_{id}_{secret}");
    }

    /// <summary>Revokes a key of <paramref name="customerId"/> (any key when null); false if there is none to revoke.</summary>
    public bool Revoke(WriteContext ctx, string id, string? customerId) =>
        ctx.Connection.Execute(
            "UPDATE api_keys SET revoked_at = @now WHERE id = @id AND revoked_at IS NULL AND (@customerId IS NULL OR customer_id = @customerId)",
            new { id, customerId, now = EventTime.ToMicros(ctx.Now) }, ctx.Transaction) == 1;

    public async Task<StoredKey?> FindAsync(string id)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<Row>($"SELECT {Columns} FROM api_keys WHERE id = @id", new { id });
        return row is null ? null : new StoredKey(row.ToInfo(), Convert.FromHexString(row.SecretHash));
    }

    public async Task<ApiKeyInfo?> GetAsync(string id, string? customerId)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<Row>(
            $"SELECT {Columns} FROM api_keys WHERE id = @id AND (@customerId IS NULL OR customer_id = @customerId)", new { id, customerId });
        return row?.ToInfo();
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(string? customerId)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<Row>(
            $"SELECT {Columns} FROM api_keys WHERE @customerId IS NULL OR customer_id = @customerId ORDER BY created_at, id", new { customerId });
        return rows.Select(r => r.ToInfo()).ToList();
    }

    public async Task<bool> AnyAsync()
    {
        await using var c = db.Open();
        return await c.ExecuteScalarAsync<long?>("SELECT 1 FROM api_keys LIMIT 1") is not null;
    }

    /// <summary>Splits <c>vgl_{id}_{secret}</c>; false for anything else.</summary>
    public static bool TryParseKey(string key, out string id, out string secret)
    {
        id = secret = "";
        var parts = key.Split('_', 3);
        if (parts is not ["vgl", { Length: 16 } keyId, { Length: 64 } keySecret])
        {
            return false;
        }

        (id, secret) = (keyId, keySecret);
        return true;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}

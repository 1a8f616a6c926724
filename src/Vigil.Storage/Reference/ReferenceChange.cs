using System.Text.Json;
using Dapper;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Reference;

/// <summary>
/// A change to reference data or configuration on <c>reference.changes</c>, appended in the transaction that makes the
/// change: "patient.upserted", "thresholds.replaced" and so on, with the entity's new state. The same transaction moves
/// <c>reference_version</c>, which tells caches of reference rows that they are stale.
/// </summary>
internal sealed record ReferenceChange<T>(string Entity, string Op, string CustomerId, string Id, T Data);

internal static class ReferenceChange
{
    public static void Append<T>(WriteContext ctx, IEventLog log, string entity, string op, string customerId, string id, string key, T data)
    {
        ctx.Connection.Execute("UPDATE reference_version SET version = version + 1 WHERE id = 1", transaction: ctx.Transaction);
        var body = new ReferenceChange<T>(entity, op, customerId, id, data);
        var payload = Envelope.Encode(Identifiers.New(), $"{entity}.{op}", key, ctx.Now, null, body,
            static (w, b) => JsonSerializer.Serialize(w, b, ReferenceStore.Json));
        log.Append(ctx, [new LogMessage(Topics.ReferenceChanges, key, payload)]);
    }
}

/// <summary>The version every reference change moves, read inside a batch's transaction to know whether cached rows still hold.</summary>
public static class ReferenceVersion
{
    public static long Read(WriteContext ctx) =>
        ctx.Connection.ExecuteScalar<long>("SELECT version FROM reference_version WHERE id = 1", transaction: ctx.Transaction);
}

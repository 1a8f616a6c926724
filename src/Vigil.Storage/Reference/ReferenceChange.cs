using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Reference;

/// <summary>
/// A change to reference data or configuration on <c>reference.changes</c>, appended in the transaction that makes the
/// change: "patient.upserted", "thresholds.replaced" and so on, with the entity's new state.
/// </summary>
internal sealed record ReferenceChange<T>(string Entity, string Op, string CustomerId, string Id, T Data);

internal static class ReferenceChange
{
    public static void Append<T>(WriteContext ctx, IEventLog log, string entity, string op, string customerId, string id, string key, T data)
    {
        var body = new ReferenceChange<T>(entity, op, customerId, id, data);
        var payload = Envelope.Encode(Identifiers.New(), $"{entity}.{op}", key, ctx.Now, null, body,
            static (w, b) => JsonSerializer.Serialize(w, b, ReferenceStore.Json));
        log.Append(ctx, [new LogMessage(Topics.ReferenceChanges, key, payload)]);
    }
}

using System.Text.Json;
using Dapper;
using Microsoft.Data.Sqlite;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Storage;
using Vigil.Storage.EventLog;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Reference;

/// <summary>
/// Customers, departments, patients and devices. Every change appends a change event to <c>reference.changes</c> in
/// the same transaction (change data capture without a separate CDC tool): enrichment joins readings against it.
/// Every query names the customer, so one tenant's rows are unreachable from another's.
/// </summary>
public sealed partial class ReferenceStore(IDatabase db, IEventLog log)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private void AppendChange<T>(WriteContext ctx, string entity, string op, string customerId, string id, string key, T data) =>
        ReferenceChange.Append(ctx, log, entity, op, customerId, id, key, data);

    private System.Data.Common.DbConnection Read() => db.Open();

    /// <summary>Runs a write; a uniqueness (or other constraint) violation becomes a 409 with <paramref name="conflict"/>.</summary>
    private static int ExecuteUnique(WriteContext ctx, string sql, object parameters, string conflict)
    {
        try
        {
            return ctx.Connection.Execute(sql, parameters, ctx.Transaction);
        }
        catch (System.Data.Common.DbException e) when (DbErrors.IsConstraintViolation(e))
        {
            throw new RejectedException(RejectionKind.Conflict, conflict);
        }
    }

    private static long Micros(DateTimeOffset t) => EventTime.ToMicros(t);

    private static DateTimeOffset Time(long micros) => EventTime.FromMicros(micros);
}

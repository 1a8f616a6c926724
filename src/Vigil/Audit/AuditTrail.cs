using Vigil.Storage.Audit;
using Vigil.Storage.Writes;

namespace Vigil.Audit;

/// <summary>
/// Writes audit entries through the group committer: <see cref="RecordAsync"/> completes once the entry is durable, so
/// a caller that awaits it before answering never acknowledges anything the trail does not hold. Entries of concurrent
/// requests share commits like every other write.
/// </summary>
public sealed class AuditTrail(GroupCommitter writer)
{
    public Task RecordAsync(AuditEntry entry) => writer.WriteAsync(ctx => AuditStore.Record(ctx, [entry]));
}

using System.Data.Common;
using Vigil.Storage.Writes;

namespace Vigil.Processing;

/// <summary>
/// Reference rows cached across a consumer's batches. They hold while a version read in each batch's transaction
/// (moved by every change, in the change's own transaction) stays the same, so a change committed before a batch
/// applies to it; and only once the transaction that read them has committed, since rows read in a transaction that
/// was rolled back may be of a change that never happened. Used on the writer thread only.
/// </summary>
internal sealed class VersionedCache<TKey, TValue>(int maxItems = 100_000)
    where TKey : notnull
{
    private readonly Dictionary<TKey, TValue> _items = [];
    private long _version = -1;
    private DbTransaction? _readIn;
    private bool _committed;

    /// <summary>Call at the start of each batch with the version read in its transaction.</summary>
    public void Refresh(WriteContext ctx, long version)
    {
        var sameTransaction = ReferenceEquals(_readIn, ctx.Transaction);
        if (version != _version || (!_committed && !sameTransaction) || _items.Count > maxItems)
        {
            _items.Clear();
            _version = version;
        }

        if (!sameTransaction)
        {
            var transaction = _readIn = ctx.Transaction;
            _committed = false;
            ctx.OnCommitted(() => _committed |= ReferenceEquals(_readIn, transaction));
        }
    }

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> load)
    {
        if (!_items.TryGetValue(key, out var value))
        {
            _items[key] = value = load(key);
        }

        return value;
    }
}

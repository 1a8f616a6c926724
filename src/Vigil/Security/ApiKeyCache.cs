using System.Collections.Concurrent;
using Vigil.Storage.Security;

namespace Vigil.Security;

/// <summary>
/// Keeps looked-up keys for a short while so a busy device does not cost a database read per request. A revocation
/// in this process drops the entry at once; another process (distributed mode) sees it within <see cref="Ttl"/>.
/// </summary>
public sealed class ApiKeyCache(ApiKeyStore store, TimeProvider clock)
{
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, (ApiKeyStore.StoredKey? Key, DateTimeOffset Until)> _entries = new();

    public async ValueTask<ApiKeyStore.StoredKey?> FindAsync(string id)
    {
        var now = clock.GetUtcNow();
        if (_entries.TryGetValue(id, out var entry) && entry.Until > now)
        {
            return entry.Key;
        }

        var key = await store.FindAsync(id);
        if (_entries.Count > 100_000)
        {
            _entries.Clear();
        }

        _entries[id] = (key, now + Ttl);
        return key;
    }

    public void Forget(string id) => _entries.TryRemove(id, out _);
}

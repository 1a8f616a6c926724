using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Processing;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Tests.Processing;

/// <summary>The cache of reference rows that enrichment and thresholds keep across batches, on a real writer.</summary>
public sealed class VersionedCacheTests : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-cache-" + Guid.NewGuid().ToString("N"));
    private readonly GroupCommitter _writer;
    private readonly VersionedCache<string, string> _cache = new();
    private int _loads;

    public VersionedCacheTests()
    {
        var db = new SqliteDatabase(_dir);
        _writer = new GroupCommitter(db.OpenWriter, TimeProvider.System, NullLogger<GroupCommitter>.Instance);
    }

    private Task<string> BatchAsync(long version, bool fail = false) => _writer.WriteAsync(ctx =>
    {
        _cache.Refresh(ctx, version);
        var value = _cache.GetOrAdd("p", key => $"{key}@{version}#{++_loads}");
        return fail ? throw new InvalidOperationException("this batch fails") : value;
    }, TestContext.Current.CancellationToken);

    [Fact]
    public async Task Rows_are_kept_while_the_version_holds_and_read_again_when_it_moves()
    {
        (await BatchAsync(1)).ShouldBe("p@1#1");
        (await BatchAsync(1)).ShouldBe("p@1#1");
        (await BatchAsync(2)).ShouldBe("p@2#2");
        (await BatchAsync(2)).ShouldBe("p@2#2");
    }

    [Fact]
    public async Task Rows_read_in_a_transaction_that_did_not_commit_are_read_again()
    {
        (await BatchAsync(1)).ShouldBe("p@1#1");
        await Should.ThrowAsync<InvalidOperationException>(() => BatchAsync(2, fail: true));

        // Same version as the failed batch read, but what it read never committed.
        (await BatchAsync(2)).ShouldBe("p@2#3");
        (await BatchAsync(2)).ShouldBe("p@2#3");
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }
}

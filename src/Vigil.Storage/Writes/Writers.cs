using Microsoft.Extensions.Logging;

namespace Vigil.Storage.Writes;

/// <summary>
/// The process's group writers. SQLite takes one writer at a time, so there every caller shares
/// <see cref="Shared"/>. PostgreSQL commits concurrent transactions side by side, so each consumer group gets a writer
/// (a thread and a connection) of its own: its rounds no longer queue behind ingest's batches and each other's on one
/// connection, while every group still commits its effects and offsets in one transaction.
/// </summary>
public sealed class Writers : IAsyncDisposable
{
    private readonly IDatabase _db;
    private readonly TimeProvider _clock;
    private readonly ILoggerFactory _loggers;
    private readonly Dictionary<string, GroupCommitter> _own = [];
    private readonly Lock _lock = new();

    public Writers(IDatabase db, TimeProvider clock, ILoggerFactory loggers)
    {
        _db = db;
        _clock = clock;
        _loggers = loggers;
        Shared = new GroupCommitter(db.OpenWriter, clock, loggers.CreateLogger<GroupCommitter>());
    }

    /// <summary>The writer of requests, reference changes and everything that has none of its own.</summary>
    public GroupCommitter Shared { get; }

    /// <summary>The writer <paramref name="consumer"/> (a consumer group) commits with.</summary>
    public GroupCommitter For(string consumer)
    {
        if (_db.Dialect == SqlDialect.Sqlite)
        {
            return Shared;
        }

        lock (_lock)
        {
            if (!_own.TryGetValue(consumer, out var writer))
            {
                writer = new GroupCommitter(_db.OpenWriter, _clock, _loggers.CreateLogger<GroupCommitter>(), $"vigil-writer-{consumer}");
                _own.Add(consumer, writer);
            }

            return writer;
        }
    }

    public async ValueTask DisposeAsync()
    {
        List<GroupCommitter> own;
        lock (_lock)
        {
            own = [.. _own.Values];
            _own.Clear();
        }

        foreach (var writer in own)
        {
            await writer.DisposeAsync();
        }

        await Shared.DisposeAsync();
    }
}

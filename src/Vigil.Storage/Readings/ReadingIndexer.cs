using Dapper;
using Microsoft.Extensions.Logging;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Readings;

/// <summary>
/// Keeps <c>readings_by_patient</c> (a patient's readings in event-time order) up to date in sorted batches. Ingest
/// appends readings in arrival order, where many patients interleave; indexing each insert by patient would dirty one
/// index page per patient in every commit, which was the larger part of the write path's cost (docs/benchmarks.md).
/// Once <see cref="BatchSize"/> readings are waiting, one write job inserts them into the index sorted by patient and
/// time, so each index page is written once for many entries. Queries read the index up to <c>indexed_upto</c> and scan
/// the table's tail past it, so they never miss a reading; the tail is at most about one batch long.
/// </summary>
public sealed class ReadingIndexer
{
    public const int DefaultBatchSize = 20_000;

    private readonly GroupCommitter _writer;
    private readonly ILogger _logger;
    private long _pending;
    private int _running;
    private Task _current = Task.CompletedTask;

    public ReadingIndexer(SqliteDatabase db, GroupCommitter writer, ILogger<ReadingIndexer> logger, int batchSize = DefaultBatchSize)
    {
        _writer = writer;
        _logger = logger;
        BatchSize = batchSize;
        using var connection = db.Open();
        _pending = connection.ExecuteScalar<long>(
            "SELECT COUNT(*) FROM readings WHERE seq > (SELECT indexed_upto FROM readings_index_state WHERE id = 1)");
    }

    public int BatchSize { get; }

    /// <summary>The index job started last (completed when none has run).</summary>
    public Task Current => Volatile.Read(ref _current);

    /// <summary>Readings stored but not yet in the index.</summary>
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Called once <paramref name="count"/> new readings are committed; starts an index job when enough wait.</summary>
    public void Added(int count)
    {
        if (Interlocked.Add(ref _pending, count) >= BatchSize && Interlocked.CompareExchange(ref _running, 1, 0) == 0)
        {
            // Queued from a task, never from the writer thread itself, which may be the caller.
            _current = Task.Run(async () =>
            {
                try
                {
                    await IndexPendingAsync(CancellationToken.None);
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "Indexing readings by patient failed; queries scan a longer tail until the next attempt");
                }
                finally
                {
                    Volatile.Write(ref _running, 0);
                }
            });
        }
    }

    /// <summary>Indexes every reading stored so far; returns how many.</summary>
    public Task<long> IndexPendingAsync(CancellationToken cancellationToken) => _writer.WriteAsync(ctx =>
    {
        var upto = ctx.Connection.ExecuteScalar<long>("SELECT indexed_upto FROM readings_index_state WHERE id = 1", transaction: ctx.Transaction);
        var last = ctx.Connection.ExecuteScalar<long?>("SELECT MAX(seq) FROM readings", transaction: ctx.Transaction) ?? upto;
        var added = ctx.Connection.Execute(
            """
            INSERT INTO readings_by_patient (customer_id, patient_id, observed_at, seq, type)
            SELECT customer_id, patient_id, observed_at, seq, type FROM readings WHERE seq > @upto AND seq <= @last
            ORDER BY customer_id, patient_id, observed_at, seq
            """, new { upto, last }, ctx.Transaction);
        ctx.Connection.Execute("UPDATE readings_index_state SET indexed_upto = @last WHERE id = 1", new { last }, ctx.Transaction);
        ctx.OnCommitted(() => Interlocked.Add(ref _pending, -added));
        return (long)added;
    }, cancellationToken);
}

using System.Data.Common;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Vigil.Storage.Writes;

/// <summary>
/// Group commit: every write in the process goes through one writer thread that takes all jobs waiting, runs each
/// in one transaction, commits once (one fsync for the group), and only then completes each job's task. A job that
/// throws is refused alone: the group is rolled back and its other jobs run again, each in its own savepoint, and
/// commit. A job may therefore run more than once; it must have no effects outside the database other than through
/// <see cref="WriteContext.OnCommitted"/>. A failed commit fails every job of the group, so nothing is acknowledged
/// that is not durable.
/// </summary>
public sealed class GroupCommitter : IAsyncDisposable
{
    private const int MaxJobsPerGroup = 512;

    private readonly Func<DbConnection> _open;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly Channel<WriteJob> _jobs = Channel.CreateBounded<WriteJob>(
        new BoundedChannelOptions(4096) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GroupCommitter(Func<DbConnection> open, TimeProvider clock, ILogger<GroupCommitter> logger, string name = "vigil-writer")
    {
        _open = open;
        _clock = clock;
        _logger = logger;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Number of groups committed; with <see cref="JobsCommitted"/> it shows how well writes coalesce.</summary>
    public long GroupsCommitted => Interlocked.Read(ref _groups);

    public long JobsCommitted => Interlocked.Read(ref _jobsCommitted);

    private long _groups;
    private long _jobsCommitted;

    /// <summary>Runs <paramref name="work"/> in the next group transaction; completes once that transaction is durable.</summary>
    public async Task<T> WriteAsync<T>(Func<WriteContext, T> work, CancellationToken cancellationToken = default)
    {
        var job = new WriteJob<T>(work, cancellationToken);
        try
        {
            await _jobs.Writer.WriteAsync(job, cancellationToken);
        }
        catch (ChannelClosedException e)
        {
            throw new StorageUnavailableException("Vigil is shutting down; the write was not accepted.", e);
        }

        return await job.Task;
    }

    public Task WriteAsync(Action<WriteContext> work, CancellationToken cancellationToken = default) =>
        WriteAsync(ctx => { work(ctx); return true; }, cancellationToken);

    private void Run()
    {
        DbConnection? connection = null;
        var cache = new Dictionary<string, object>();
        var group = new List<WriteJob>(MaxJobsPerGroup);
        try
        {
            while (_jobs.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
            {
                group.Clear();
                while (group.Count < MaxJobsPerGroup && _jobs.Reader.TryRead(out var job))
                {
                    if (!job.CancelIfRequested())
                    {
                        group.Add(job);
                    }
                }

                if (group.Count == 0)
                {
                    continue;
                }

                try
                {
                    connection ??= _open();
                    CommitGroup(connection, cache, group);
                }
                catch (Exception e)
                {
                    _logger.LogError(e, "A write group of {Jobs} jobs failed to commit; none of them is acknowledged", group.Count);
                    foreach (var job in group)
                    {
                        job.Fail(new StorageUnavailableException("The database could not commit the write.", e));
                    }

                    // The connection may be unusable (I/O error, lost server): start the next group on a fresh one.
                    DisposeConnection(ref connection, cache);
                }
            }
        }
        finally
        {
            DisposeConnection(ref connection, cache);
            _stopped.TrySetResult();
        }
    }

    private void CommitGroup(DbConnection connection, Dictionary<string, object> cache, List<WriteJob> group)
    {
        // Optimistic pass: no savepoints. Jobs nearly always succeed (their input was validated before they were
        // queued), and a savepoint's two extra statements are a large part of a small write's cost.
        var done = new List<(WriteJob Job, List<Action>? AfterCommit)>(group.Count);
        using (var transaction = connection.BeginTransaction())
        {
            foreach (var job in group)
            {
                var ctx = new WriteContext(connection, transaction, Domain.EventTime.Truncate(_clock.GetUtcNow()), cache);
                try
                {
                    job.Execute(ctx);
                    done.Add((job, ctx.TakeAfterCommit()));
                }
                catch (Exception e)
                {
                    // Undo the whole group, refuse this job, and run the others again, each in its own savepoint.
                    transaction.Rollback();
                    job.Fail(e);
                    CommitWithSavepoints(connection, cache, group.Where(j => j != job).ToList());
                    return;
                }
            }

            transaction.Commit();
        }

        Completed(done);
    }

    private void CommitWithSavepoints(DbConnection connection, Dictionary<string, object> cache, List<WriteJob> group)
    {
        using var transaction = connection.BeginTransaction();
        using var savepoints = connection.CreateCommand();
        savepoints.Transaction = transaction;
        var done = new List<(WriteJob Job, List<Action>? AfterCommit)>(group.Count);
        foreach (var job in group)
        {
            var ctx = new WriteContext(connection, transaction, Domain.EventTime.Truncate(_clock.GetUtcNow()), cache);
            Execute(savepoints, "SAVEPOINT job");
            try
            {
                job.Execute(ctx);
                Execute(savepoints, "RELEASE SAVEPOINT job");
                done.Add((job, ctx.TakeAfterCommit()));
            }
            catch (Exception e)
            {
                Execute(savepoints, "ROLLBACK TO SAVEPOINT job");
                Execute(savepoints, "RELEASE SAVEPOINT job");
                job.Fail(e);
            }
        }

        transaction.Commit();
        Completed(done);
    }

    private void Completed(List<(WriteJob Job, List<Action>? AfterCommit)> done)
    {
        Interlocked.Increment(ref _groups);
        Interlocked.Add(ref _jobsCommitted, done.Count);
        foreach (var (job, afterCommit) in done)
        {
            if (afterCommit is not null)
            {
                foreach (var action in afterCommit)
                {
                    try
                    {
                        action();
                    }
                    catch (Exception e)
                    {
                        _logger.LogError(e, "An after-commit action failed");
                    }
                }
            }

            job.Succeed();
        }
    }

    private static void Execute(DbCommand command, string sql)
    {
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static void DisposeConnection(ref DbConnection? connection, Dictionary<string, object> cache)
    {
        foreach (var cached in cache.Values.OfType<IDisposable>())
        {
            cached.Dispose();
        }

        cache.Clear();
        connection?.Dispose();
        connection = null;
    }

    public async ValueTask DisposeAsync()
    {
        _jobs.Writer.TryComplete();
        await _stopped.Task;
    }

    private abstract class WriteJob
    {
        public abstract void Execute(WriteContext ctx);

        public abstract void Succeed();

        public abstract void Fail(Exception e);

        public abstract bool CancelIfRequested();
    }

    private sealed class WriteJob<T>(Func<WriteContext, T> work, CancellationToken cancellationToken) : WriteJob
    {
        private readonly TaskCompletionSource<T> _tcs = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _tcs.Task;

        public override void Execute(WriteContext ctx) => _result = work(ctx);

        public override void Succeed() => _tcs.TrySetResult(_result!);

        public override void Fail(Exception e) => _tcs.TrySetException(e);

        public override bool CancelIfRequested() =>
            cancellationToken.IsCancellationRequested && _tcs.TrySetCanceled(cancellationToken);
    }
}

using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Tests.Writes;

public sealed class GroupCommitterTests : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SqliteDatabase _db;
    private readonly GroupCommitter _committer;
    private readonly CancellationTokenSource _timeout = TestTimeout.Start();

    public GroupCommitterTests()
    {
        _db = new SqliteDatabase(_dir.Path);
        using (var connection = _db.Open())
        {
            connection.Execute("""
                CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
                CREATE TABLE parents (id INTEGER PRIMARY KEY);
                CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);
                """);
        }

        _committer = new GroupCommitter(_db.Open, TimeProvider.System, NullLogger<GroupCommitter>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _committer.DisposeAsync();
        _timeout.Dispose();
        _dir.Dispose();
    }

    private CancellationToken Timeout => _timeout.Token;

    [Fact]
    public async Task Many_concurrent_writes_all_commit_and_each_is_visible_from_another_connection_once_its_task_completes()
    {
        const int writers = 50;
        const int writesEach = 10;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(
            async () =>
            {
                using var reader = _db.Open();
                for (var i = 0; i < writesEach; i++)
                {
                    var id = (w * writesEach) + i;
                    await _committer.WriteAsync(ctx => Insert(ctx, id), Timeout);
                    reader.ExecuteScalar<long>("SELECT COUNT(*) FROM items WHERE id = @id", new { id }).ShouldBe(1);
                }
            },
            Timeout)));

        CountItems().ShouldBe(writers * writesEach);
        _committer.JobsCommitted.ShouldBe(writers * writesEach);
    }

    [Fact]
    public async Task A_write_returns_the_value_its_job_computed()
    {
        var id = await _committer.WriteAsync(
            ctx =>
            {
                Insert(ctx, 7);
                using var command = ctx.CreateCommand("SELECT name FROM items WHERE id = 7");
                return (string)command.ExecuteScalar()!;
            },
            Timeout);

        id.ShouldBe("item-7");
    }

    [Fact]
    public async Task Jobs_queued_while_the_writer_is_busy_are_committed_together_in_one_group()
    {
        var blocker = await BlockWriterAsync();
        var jobs = Enumerable.Range(0, 200).Select(i => _committer.WriteAsync(ctx => Insert(ctx, i), Timeout)).ToList();

        blocker.Release();
        await Task.WhenAll(jobs).WaitAsync(Timeout);
        await blocker.Job.WaitAsync(Timeout);

        _committer.JobsCommitted.ShouldBe(201);
        _committer.GroupsCommitted.ShouldBe(2);
        _committer.GroupsCommitted.ShouldBeLessThan(_committer.JobsCommitted);
        CountItems().ShouldBe(200);
    }

    [Fact]
    public async Task A_group_holds_at_most_512_jobs()
    {
        var blocker = await BlockWriterAsync();
        var jobs = Enumerable.Range(0, 1200).Select(i => _committer.WriteAsync(ctx => Insert(ctx, i), Timeout)).ToList();

        blocker.Release();
        await Task.WhenAll(jobs).WaitAsync(Timeout);

        // The blocker's group, then 512 + 512 + 176.
        _committer.GroupsCommitted.ShouldBe(4);
        CountItems().ShouldBe(1200);
    }

    [Fact]
    public async Task A_job_that_throws_fails_only_its_own_task_and_its_rows_are_not_stored()
    {
        var blocker = await BlockWriterAsync();
        var before = _committer.WriteAsync(ctx => Insert(ctx, 1), Timeout);
        var failing = _committer.WriteAsync(
            ctx =>
            {
                Insert(ctx, 2);
                Insert(ctx, 3);
                throw new InvalidOperationException("the job's own failure");
            },
            Timeout);
        var after = _committer.WriteAsync(ctx => Insert(ctx, 4), Timeout);

        blocker.Release();
        (await Should.ThrowAsync<InvalidOperationException>(failing.WaitAsync(Timeout))).Message.ShouldBe("the job's own failure");
        await before.WaitAsync(Timeout);
        await after.WaitAsync(Timeout);
        ItemIds().ShouldBe([1L, 4L]);
        _committer.GroupsCommitted.ShouldBe(2, "the three jobs were queued behind the blocker and share one group");
    }

    [Fact]
    public async Task A_job_that_breaks_a_constraint_is_rolled_back_alone()
    {
        await _committer.WriteAsync(ctx => Insert(ctx, 1), Timeout);
        var blocker = await BlockWriterAsync();
        var neighbour = _committer.WriteAsync(ctx => Insert(ctx, 10), Timeout);
        var duplicate = _committer.WriteAsync(
            ctx =>
            {
                Insert(ctx, 20);
                Insert(ctx, 1);
            },
            Timeout);

        blocker.Release();

        await Should.ThrowAsync<SqliteException>(duplicate.WaitAsync(Timeout));
        await neighbour.WaitAsync(Timeout);
        ItemIds().ShouldBe([1L, 10L]);
    }

    [Fact]
    public async Task OnCommitted_actions_run_only_for_jobs_that_committed_and_before_their_task_completes()
    {
        var ran = new ConcurrentQueue<string>();
        var blocker = await BlockWriterAsync();
        var committed = _committer.WriteAsync(
            ctx =>
            {
                Insert(ctx, 1);
                ctx.OnCommitted(() => ran.Enqueue("committed"));
            },
            Timeout);
        var failed = _committer.WriteAsync(
            ctx =>
            {
                Insert(ctx, 2);
                ctx.OnCommitted(() => ran.Enqueue("failed"));
                throw new InvalidOperationException("boom");
            },
            Timeout);

        blocker.Release();

        await committed.WaitAsync(Timeout);
        ran.ShouldBe(["committed"]);
        await Should.ThrowAsync<InvalidOperationException>(failed.WaitAsync(Timeout));
        ran.ShouldBe(["committed"]);
    }

    [Fact]
    public async Task An_OnCommitted_action_that_throws_does_not_fail_the_job_or_its_neighbours()
    {
        var ran = new ConcurrentQueue<int>();
        var blocker = await BlockWriterAsync();
        var throwing = _committer.WriteAsync(
            ctx =>
            {
                Insert(ctx, 1);
                ctx.OnCommitted(() => throw new InvalidOperationException("after commit"));
                ctx.OnCommitted(() => ran.Enqueue(1));
            },
            Timeout);
        var neighbour = _committer.WriteAsync(ctx => ctx.OnCommitted(() => ran.Enqueue(2)), Timeout);

        blocker.Release();

        await throwing.WaitAsync(Timeout);
        await neighbour.WaitAsync(Timeout);
        ran.ShouldBe([1, 2]);
        ItemIds().ShouldBe([1L]);
    }

    [Fact]
    public async Task A_group_whose_commit_fails_acknowledges_none_of_its_jobs_and_runs_no_after_commit_action()
    {
        var ran = new ConcurrentQueue<string>();
        var blocker = await BlockWriterAsync();
        var innocent = _committer.WriteAsync(
            ctx =>
            {
                Insert(ctx, 1);
                ctx.OnCommitted(() => ran.Enqueue("innocent"));
            },
            Timeout);

        // A deferred foreign key is checked only at COMMIT, so the job itself succeeds and the whole commit fails.
        var orphan = _committer.WriteAsync(ctx => Execute(ctx, "INSERT INTO children (id, parent_id) VALUES (1, 999)"), Timeout);

        blocker.Release();

        await Should.ThrowAsync<StorageUnavailableException>(innocent.WaitAsync(Timeout));
        await Should.ThrowAsync<StorageUnavailableException>(orphan.WaitAsync(Timeout));
        ran.ShouldBeEmpty();
        ItemIds().ShouldBeEmpty();

        // The writer recovers on a fresh connection for the next group.
        await _committer.WriteAsync(ctx => Insert(ctx, 2), Timeout);
        ItemIds().ShouldBe([2L]);
    }

    [Fact]
    public async Task A_connection_that_cannot_be_opened_fails_the_group_and_the_next_group_retries()
    {
        var attempts = 0;
        await using var committer = new GroupCommitter(
            () => Interlocked.Increment(ref attempts) == 1 ? throw new IOException("disk gone") : _db.Open(),
            TimeProvider.System,
            NullLogger<GroupCommitter>.Instance);

        var error = await Should.ThrowAsync<StorageUnavailableException>(committer.WriteAsync(ctx => Insert(ctx, 1), Timeout));
        error.InnerException.ShouldBeOfType<IOException>();
        await committer.WriteAsync(ctx => Insert(ctx, 2), Timeout);

        ItemIds().ShouldBe([2L]);
    }

    [Fact]
    public async Task A_job_cancelled_before_it_starts_does_not_run()
    {
        var blocker = await BlockWriterAsync();
        using var cancel = new CancellationTokenSource();
        var ran = false;
        var cancelled = _committer.WriteAsync(
            ctx =>
            {
                ran = true;
                Insert(ctx, 1);
            },
            cancel.Token);
        var neighbour = _committer.WriteAsync(ctx => Insert(ctx, 2), Timeout);

        await cancel.CancelAsync();
        blocker.Release();

        await Should.ThrowAsync<OperationCanceledException>(cancelled.WaitAsync(Timeout));
        await neighbour.WaitAsync(Timeout);
        ran.ShouldBeFalse();
        ItemIds().ShouldBe([2L]);
    }

    [Fact]
    public async Task A_write_with_an_already_cancelled_token_does_not_run()
    {
        var ran = false;

        await Should.ThrowAsync<OperationCanceledException>(
            _committer.WriteAsync(_ => ran = true, new CancellationToken(canceled: true)));
        await _committer.WriteAsync(ctx => Insert(ctx, 1), Timeout);

        ran.ShouldBeFalse();
        ItemIds().ShouldBe([1L]);
    }

    [Fact]
    public async Task Disposing_commits_the_jobs_already_queued()
    {
        var blocker = await BlockWriterAsync();
        var jobs = Enumerable.Range(0, 10).Select(i => _committer.WriteAsync(ctx => Insert(ctx, i), Timeout)).ToList();

        var disposing = _committer.DisposeAsync().AsTask();
        blocker.Release();
        await disposing.WaitAsync(Timeout);

        await Task.WhenAll(jobs).WaitAsync(Timeout);
        CountItems().ShouldBe(10);
    }

    /// <summary>Occupies the writer thread with a job that waits for <see cref="Blocker.Release"/>, so jobs queued now
    /// are taken together as the next group.</summary>
    private async Task<Blocker> BlockWriterAsync()
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new ManualResetEventSlim();
        var token = Timeout;
        var job = _committer.WriteAsync(
            _ =>
            {
                started.SetResult();
                release.Wait(token);
            },
            Timeout);
        await started.Task.WaitAsync(Timeout);
        return new Blocker(job, release);
    }

    private sealed record Blocker(Task Job, ManualResetEventSlim Gate)
    {
        public void Release() => Gate.Set();
    }

    private static void Insert(WriteContext ctx, int id) =>
        Execute(ctx, $"INSERT INTO items (id, name) VALUES ({id}, 'item-{id}')");

    private static void Execute(WriteContext ctx, string sql)
    {
        using DbCommand command = ctx.CreateCommand(sql);
        command.ExecuteNonQuery();
    }

    private long CountItems()
    {
        using var connection = _db.Open();
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM items");
    }

    private List<long> ItemIds()
    {
        using var connection = _db.Open();
        return connection.Query<long>("SELECT id FROM items ORDER BY id").ToList();
    }
}

using System.Collections.Concurrent;
using System.Data.Common;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Vigil.Storage.Postgres;
using Vigil.Storage.Tests.Distributed;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Tests.Postgres;

/// <summary>
/// The group committer, unchanged, on a PostgreSQL writer connection: BEGIN, one COMMIT per group, and on a failing
/// job the savepoint pass (SAVEPOINT job / ROLLBACK TO SAVEPOINT job / RELEASE). A few of GroupCommitterTests, mirrored.
/// </summary>
public sealed class PostgresGroupCommitterTests(PostgresServer server) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = TestTimeout.Start();
    private PostgresTestDatabase _test = null!;
    private PostgresDatabase _db = null!;
    private GroupCommitter _committer = null!;

    private CancellationToken Timeout => _timeout.Token;

    public async ValueTask InitializeAsync()
    {
        _test = await PostgresTestDatabase.CreateAsync(server);
        _db = new PostgresDatabase(_test.ConnectionString);
        await using (var connection = await _db.OpenAsync(Timeout))
        {
            await connection.ExecuteAsync("""
                CREATE TABLE items (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
                CREATE TABLE parents (id BIGINT PRIMARY KEY);
                CREATE TABLE children (id BIGINT PRIMARY KEY, parent_id BIGINT REFERENCES parents (id) DEFERRABLE INITIALLY DEFERRED);
                """);
        }

        _committer = new GroupCommitter(_db.OpenWriter, TimeProvider.System, NullLogger<GroupCommitter>.Instance);
    }

    public async ValueTask DisposeAsync()
    {
        await _committer.DisposeAsync();
        await _db.DisposeAsync();
        await _test.DisposeAsync();
        _timeout.Dispose();
    }

    [Fact]
    public async Task Concurrent_writes_all_commit_and_each_is_visible_from_another_connection_once_its_task_completes()
    {
        const int writers = 20;
        const int writesEach = 10;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(
            async () =>
            {
                await using var reader = await _db.OpenAsync(Timeout);
                for (var i = 0; i < writesEach; i++)
                {
                    var id = (w * writesEach) + i;
                    await _committer.WriteAsync(ctx => Insert(ctx, id), Timeout);
                    (await reader.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM items WHERE id = @id", new { id })).ShouldBe(1);
                }
            },
            Timeout)));

        CountItems().ShouldBe(writers * writesEach);
        _committer.JobsCommitted.ShouldBe(writers * writesEach);
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
        CountItems().ShouldBe(200);
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
    public async Task A_job_whose_statement_fails_is_rolled_back_alone_although_postgres_aborts_the_whole_transaction()
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
        var later = _committer.WriteAsync(ctx => Insert(ctx, 30), Timeout);

        blocker.Release();

        (await Should.ThrowAsync<PostgresException>(duplicate.WaitAsync(Timeout))).SqlState.ShouldBe(PostgresErrorCodes.UniqueViolation);
        await neighbour.WaitAsync(Timeout);
        await later.WaitAsync(Timeout);
        ItemIds().ShouldBe([1L, 10L, 30L]);
    }

    [Fact]
    public async Task A_failure_in_the_savepoint_pass_refuses_that_job_too_and_keeps_the_others()
    {
        var blocker = await BlockWriterAsync();
        var first = _committer.WriteAsync(_ => throw new InvalidOperationException("fails in the first pass"), Timeout);
        var second = _committer.WriteAsync(
            ctx =>
            {
                Insert(ctx, 5);
                Execute(ctx, "SELECT 1 / 0");
            },
            Timeout);
        var neighbour = _committer.WriteAsync(ctx => Insert(ctx, 6), Timeout);

        blocker.Release();

        await Should.ThrowAsync<InvalidOperationException>(first.WaitAsync(Timeout));
        (await Should.ThrowAsync<PostgresException>(second.WaitAsync(Timeout))).SqlState.ShouldBe(PostgresErrorCodes.DivisionByZero);
        await neighbour.WaitAsync(Timeout);
        ItemIds().ShouldBe([6L]);
    }

    [Fact]
    public async Task OnCommitted_actions_run_only_for_jobs_that_committed_and_after_their_rows_are_visible()
    {
        var ran = new ConcurrentQueue<string>();
        var blocker = await BlockWriterAsync();
        var committed = _committer.WriteAsync(
            ctx =>
            {
                Insert(ctx, 1);
                // Another session sees the row only once the group committed.
                ctx.OnCommitted(() => ran.Enqueue($"committed, visible: {CountItems()}"));
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
        await Should.ThrowAsync<InvalidOperationException>(failed.WaitAsync(Timeout));
        ran.ShouldBe(["committed, visible: 1"]);
    }

    [Fact]
    public async Task A_group_whose_commit_fails_acknowledges_none_of_its_jobs_and_the_writer_recovers()
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

        await _committer.WriteAsync(ctx => Insert(ctx, 2), Timeout);
        ItemIds().ShouldBe([2L]);
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

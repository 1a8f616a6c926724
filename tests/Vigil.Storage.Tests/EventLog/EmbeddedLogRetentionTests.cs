using System.Text;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;
using Vigil.Storage.Migrations;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Tests.EventLog;

public sealed class EmbeddedLogRetentionTests : IAsyncDisposable
{
    private const string Topic = "retention.test";

    private readonly TempDirectory _dir = new();
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly SqliteDatabase _db;
    private readonly GroupCommitter _writer;
    private readonly EmbeddedEventLog _log;
    private readonly EmbeddedLogRetention _retention;
    private readonly CancellationTokenSource _timeout = TestTimeout.Start();

    public EmbeddedLogRetentionTests()
    {
        _db = new SqliteDatabase(_dir.Path);
        using (var connection = _db.Open())
        {
            Migrator.Migrate(connection, Migration.Embedded("sqlite"));
        }

        var options = Options.Create(new EventLogOptions { Partitions = 3, Retention = TimeSpan.FromDays(7) });
        _writer = new GroupCommitter(_db.Open, _clock, NullLogger<GroupCommitter>.Instance);
        _log = new EmbeddedEventLog(_db, options);
        _retention = new EmbeddedLogRetention(_writer, options, _clock, NullLogger<EmbeddedLogRetention>.Instance);
    }

    [Fact]
    public async Task Messages_older_than_the_retention_are_removed_and_younger_ones_kept()
    {
        await AppendAsync("old", 30);
        _clock.Advance(TimeSpan.FromDays(6));
        await AppendAsync("young", 20);
        _clock.Advance(TimeSpan.FromDays(2));

        (await _retention.TrimAsync(_timeout.Token)).ShouldBe(30);

        Remaining().ShouldAllBe(body => body.StartsWith("young", StringComparison.Ordinal));
        Remaining().Count.ShouldBe(20);
    }

    [Fact]
    public async Task A_consumer_group_that_has_not_committed_past_old_messages_keeps_them_until_it_does()
    {
        await AppendAsync("old", 12);
        await using var consumer = _log.Subscribe("slow", [Topic]);
        var first = await consumer.ReceiveAsync(1000, _timeout.Token);
        await _writer.WriteAsync(ctx => consumer.Commit(ctx, first), _timeout.Token);
        _clock.Advance(TimeSpan.FromDays(8));

        var removed = await _retention.TrimAsync(_timeout.Token);

        // Only the committed partition's messages could go; the others wait for the group.
        removed.ShouldBe(first.Messages.Count);
        Remaining().Count.ShouldBe(12 - first.Messages.Count);

        // As the group commits its other partitions, their messages go too.
        while (Remaining().Count > 0)
        {
            var batch = await consumer.ReceiveAsync(1000, _timeout.Token);
            await _writer.WriteAsync(ctx => consumer.Commit(ctx, batch), _timeout.Token);
            (await _retention.TrimAsync(_timeout.Token)).ShouldBe(batch.Messages.Count);
        }

        Remaining().ShouldBeEmpty();
    }

    [Fact]
    public async Task Offsets_keep_rising_after_the_log_was_emptied_and_a_new_group_reads_what_remains()
    {
        await AppendAsync("old", 5);
        var lastOld = MaxSeq();
        _clock.Advance(TimeSpan.FromDays(8));
        await _retention.TrimAsync(_timeout.Token);

        await AppendAsync("new", 4);
        await using var consumer = _log.Subscribe("late", [Topic]);
        var seen = new List<ConsumedMessage>();
        while (seen.Count < 4)
        {
            seen.AddRange((await consumer.ReceiveAsync(1000, _timeout.Token)).Messages);
        }

        seen.ShouldAllBe(m => m.Offset > lastOld);
        seen.Select(m => Encoding.UTF8.GetString(m.Payload)).ShouldAllBe(p => p.StartsWith("new", StringComparison.Ordinal));
    }

    private async Task AppendAsync(string prefix, int count) =>
        await _writer.WriteAsync(
            ctx => _log.Append(ctx, Enumerable.Range(0, count).Select(i => new LogMessage(Topic, $"key-{i}", Encoding.UTF8.GetBytes($"{prefix}-{i}"))).ToList()),
            _timeout.Token);

    private List<string> Remaining()
    {
        using var connection = _db.Open();
        return connection.Query<byte[]>("SELECT payload FROM log WHERE topic = @Topic ORDER BY seq", new { Topic }).Select(Encoding.UTF8.GetString).ToList();
    }

    private long MaxSeq()
    {
        using var connection = _db.Open();
        return connection.ExecuteScalar<long>("SELECT MAX(seq) FROM log");
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        _timeout.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}

using System.Collections.Concurrent;
using System.Text;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vigil.Domain.Log;
using Vigil.Processing;
using Vigil.Storage.EventLog;
using Vigil.Storage.Migrations;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Tests.Processing;

/// <summary>Retries, dead letters and exactly-once effects of the consumer framework every processing role stands on.</summary>
public sealed class LogConsumerServiceTests : IAsyncDisposable
{
    private const string Topic = "work";

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "vigil-consumer-" + Guid.NewGuid().ToString("N"));
    private readonly SqliteDatabase _db;
    private readonly GroupCommitter _writer;
    private readonly EmbeddedEventLog _log;

    public LogConsumerServiceTests()
    {
        _db = new SqliteDatabase(_dir);
        using (var c = _db.Open())
        {
            Migrator.Migrate(c, Migration.Embedded("sqlite"));
            c.Execute("CREATE TABLE effects (body TEXT NOT NULL)");
        }

        _writer = new GroupCommitter(_db.Open, TimeProvider.System, NullLogger<GroupCommitter>.Instance);
        _log = new EmbeddedEventLog(_db, Options.Create(new EventLogOptions { Partitions = 2 }));
    }

    [Fact]
    public async Task A_message_that_keeps_failing_is_retried_then_dead_lettered_and_the_rest_are_handled_once()
    {
        var service = new Worker(_log, _writer, poison: "poison");
        var bodies = new[] { "a", "b", "poison", "c", "d" };
        await AppendAsync(bodies);
        await using var dlq = _log.Subscribe("test-dlq", [Topics.DeadLetters]);

        await service.StartAsync(TestContext.Current.CancellationToken);
        var letter = (await dlq.ReceiveAsync(10, TestContext.Current.CancellationToken)).Messages.Single();
        await AppendAsync(["e"]);
        await service.Handled("e").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await service.StopAsync(TestContext.Current.CancellationToken);

        var envelope = Envelope.Decode(letter.Payload);
        envelope.Body.GetProperty("reason").GetString().ShouldBe("handler failed");
        envelope.Body.GetProperty("error").GetString().ShouldBe("cannot handle poison");
        envelope.Body.GetProperty("group").GetString().ShouldBe("worker");
        service.AttemptsOf("poison").ShouldBe(LogConsumerService.Attempts + 1); // once in its batch, then Attempts times alone
        Effects().Order().ShouldBe(["a", "b", "c", "d", "e"]);
    }

    [Fact]
    public async Task Effects_and_offsets_commit_together_so_a_restarted_member_does_not_repeat_them()
    {
        await AppendAsync(["a", "b", "c"]);
        var first = new Worker(_log, _writer);
        await first.StartAsync(TestContext.Current.CancellationToken);
        await Task.WhenAll(first.Handled("a"), first.Handled("b"), first.Handled("c")).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await first.StopAsync(TestContext.Current.CancellationToken);

        await AppendAsync(["d"]);
        var second = new Worker(_log, _writer);
        await second.StartAsync(TestContext.Current.CancellationToken);
        await second.Handled("d").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await second.StopAsync(TestContext.Current.CancellationToken);

        Effects().Order().ShouldBe(["a", "b", "c", "d"]);
        second.AttemptsOf("a").ShouldBe(0);
    }

    [Fact]
    public async Task A_member_handed_partitions_forgets_its_caches_before_its_next_batch_and_only_then()
    {
        var log = new ReassigningLog(_log);
        var service = new Worker(log, _writer);
        await service.StartAsync(TestContext.Current.CancellationToken);
        await AppendAsync(["a"]);
        await service.Handled("a").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        var before = service.Reassignments;

        log.Consumer!.Reassign();
        await AppendAsync(["b"]);
        await service.Handled("b").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await AppendAsync(["c"]);
        await service.Handled("c").WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await service.StopAsync(TestContext.Current.CancellationToken);

        before.ShouldBe(0, "a member that keeps its partitions keeps its caches");
        service.Reassignments.ShouldBe(1, "once for the one reassignment, before the batch after it");
    }

    /// <summary>The embedded log, with a consumer whose <see cref="ILogConsumer.Generation"/> the test moves (a rebalance).</summary>
    private sealed class ReassigningLog(IEventLog inner) : IEventLog
    {
        public ReassigningConsumer? Consumer { get; private set; }

        public int PartitionCount(string topic) => inner.PartitionCount(topic);

        public void Append(WriteContext ctx, IReadOnlyList<LogMessage> messages) => inner.Append(ctx, messages);

        public ILogConsumer Subscribe(string groupId, IReadOnlyList<string> topics) => Consumer = new ReassigningConsumer(inner.Subscribe(groupId, topics));
    }

    private sealed class ReassigningConsumer(ILogConsumer inner) : ILogConsumer
    {
        private int _generation;

        public int Generation => Volatile.Read(ref _generation);

        public void Reassign() => Interlocked.Increment(ref _generation);

        public ValueTask<ConsumedBatch> ReceiveAsync(int maxMessages, CancellationToken cancellationToken) => inner.ReceiveAsync(maxMessages, cancellationToken);

        public ValueTask<IReadOnlyList<ConsumedBatch>> ReceiveAsync(int maxMessages, int maxPartitions, CancellationToken cancellationToken) =>
            inner.ReceiveAsync(maxMessages, maxPartitions, cancellationToken);

        public long CommittedOffset(string topic, int partition) => inner.CommittedOffset(topic, partition);

        public void Commit(WriteContext ctx, string topic, int partition, long nextOffset) => inner.Commit(ctx, topic, partition, nextOffset);

        public void Rewind(ConsumedBatch batch) => inner.Rewind(batch);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private async Task AppendAsync(IEnumerable<string> bodies) => await _writer.WriteAsync(
        ctx => _log.Append(ctx, bodies.Select(b => new LogMessage(Topic, "k-" + b, Envelope.Encode(
            "m-" + b, "work", "k-" + b, DateTimeOffset.UnixEpoch, null, b, static (w, text) =>
            {
                w.WriteStartObject();
                w.WriteString("text", text);
                w.WriteEndObject();
            }))).ToList()),
        TestContext.Current.CancellationToken);

    private List<string> Effects()
    {
        using var c = _db.Open();
        return c.Query<string>("SELECT body FROM effects").ToList();
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Writes each message's text as an effect; throws for the poison text every time.</summary>
    private sealed class Worker(IEventLog log, GroupCommitter writer, string? poison = null)
        : LogConsumerService(log, writer, TimeProvider.System, NullLogger.Instance)
    {
        private readonly ConcurrentDictionary<string, int> _attempts = new();
        private readonly ConcurrentDictionary<string, TaskCompletionSource> _handled = new();

        protected override string GroupId => "worker";

        protected override IReadOnlyList<string> Topics => [Topic];

        protected override TimeSpan FirstRetryDelay => TimeSpan.FromMilliseconds(1);

        public int AttemptsOf(string text) => _attempts.GetValueOrDefault(text);

        public int Reassignments { get; private set; }

        protected override void Reassigned() => Reassignments++;

        public Task Handled(string text) => Signal(text).Task;

        private TaskCompletionSource Signal(string text) =>
            _handled.GetOrAdd(text, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

        protected override void Handle(WriteContext ctx, IReadOnlyList<ConsumedMessage> messages)
        {
            foreach (var message in messages)
            {
                var text = Envelope.Decode(message.Payload).Body.GetProperty("text").GetString()!;
                _attempts.AddOrUpdate(text, 1, (_, n) => n + 1);
                if (text == poison)
                {
                    throw new InvalidOperationException("cannot handle poison");
                }

                using var insert = ctx.CreateCommand("INSERT INTO effects (body) VALUES (@b)");
                var p = insert.CreateParameter();
                p.ParameterName = "@b";
                p.Value = text;
                insert.Parameters.Add(p);
                insert.ExecuteNonQuery();
                ctx.OnCommitted(() => Signal(text).TrySetResult());
            }
        }
    }
}

using Dapper;
using Microsoft.Extensions.Options;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;

namespace Vigil.Storage.Tests.EventLog;

/// <summary>What only the embedded log promises, beyond the compliance suite: one member per group in a process.</summary>
public sealed class EmbeddedEventLogTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = TestTimeout.Start();
    private readonly EmbeddedEventLogFixture _fixture = new("embedded", partitions: 4);

    private CancellationToken Timeout => _timeout.Token;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public async ValueTask DisposeAsync()
    {
        await _fixture.DisposeAsync();
        _timeout.Dispose();
    }

    [Fact]
    public void Every_topic_has_the_configured_number_of_partitions()
    {
        _fixture.Log.PartitionCount(_fixture.Topic).ShouldBe(4);
        _fixture.Log.PartitionCount(Topics.Alerts).ShouldBe(4);
    }

    [Fact]
    public async Task A_group_has_one_member_per_process_until_that_member_leaves()
    {
        var first = _fixture.Log.Subscribe("solo", [_fixture.Topic]);

        Should.Throw<InvalidOperationException>(() => _fixture.Log.Subscribe("solo", [_fixture.Topic])).Message.ShouldContain("solo");
        await using var other = _fixture.Log.Subscribe("another-group", [_fixture.Topic]);

        await first.DisposeAsync();
        await using var second = _fixture.Log.Subscribe("solo", [_fixture.Topic]);
    }

    [Fact]
    public async Task Disposing_a_member_twice_does_not_evict_the_member_that_replaced_it()
    {
        var first = _fixture.Log.Subscribe("solo", [_fixture.Topic]);
        await first.DisposeAsync();
        await using var second = _fixture.Log.Subscribe("solo", [_fixture.Topic]);

        await first.DisposeAsync();

        Should.Throw<InvalidOperationException>(() => _fixture.Log.Subscribe("solo", [_fixture.Topic]));
    }

    [Fact]
    public async Task A_consumer_of_two_topics_receives_from_both()
    {
        await _fixture.Writer.WriteAsync(
            ctx => _fixture.Log.Append(ctx, [new LogMessage(Topics.Alerts, "patient-1", [1]), new LogMessage(Topics.Events, "patient-1", [2])]),
            Timeout);
        await using var consumer = _fixture.Log.Subscribe("both", [Topics.Alerts, Topics.Events]);

        var first = await consumer.ReceiveAsync(10, Timeout);
        var second = await consumer.ReceiveAsync(10, Timeout);

        new[] { first.Topic, second.Topic }.Order().ShouldBe([Topics.Alerts, Topics.Events]);
    }

    [Fact]
    public async Task Offsets_are_committed_in_the_consumer_offsets_table_with_the_next_offset_to_read()
    {
        await _fixture.Writer.WriteAsync(ctx => _fixture.Log.Append(ctx, [new LogMessage(_fixture.Topic, "patient-1", [1])]), Timeout);
        var consumer = _fixture.Subscribe("recorded");
        var batch = await consumer.ReceiveAsync(10, Timeout);

        await _fixture.Writer.WriteAsync(ctx => consumer.Commit(ctx, batch), Timeout);

        await using var connection = _fixture.OpenConnection();
        connection.ExecuteScalar<long>(
                "SELECT next_offset FROM consumer_offsets WHERE group_id = 'recorded' AND topic = @topic AND partition = @partition",
                new { topic = _fixture.Topic, partition = batch.Partition })
            .ShouldBe(batch.NextOffset);
    }

    [Fact]
    public async Task Rewind_and_a_restart_resume_from_the_same_offset_after_commits_that_land_out_of_order()
    {
        await _fixture.Writer.WriteAsync(
            ctx => _fixture.Log.Append(ctx, Enumerable.Range(0, 20).Select(i => new LogMessage(_fixture.Topic, "patient-1", [(byte)i])).ToList()),
            Timeout);
        var consumer = _fixture.Subscribe("late-committer");
        var older = await consumer.ReceiveAsync(10, Timeout);
        var newer = await consumer.ReceiveAsync(10, Timeout);
        await _fixture.Writer.WriteAsync(ctx => consumer.Commit(ctx, newer), Timeout);
        await _fixture.Writer.WriteAsync(ctx => consumer.Commit(ctx, older), Timeout);

        // In memory the group stays at the newer batch's end ...
        consumer.Rewind(newer);
        await _fixture.Writer.WriteAsync(ctx => _fixture.Log.Append(ctx, [new LogMessage(_fixture.Topic, "patient-1", [99])]), Timeout);
        (await consumer.ReceiveAsync(10, Timeout)).Messages.Single().Payload.ShouldBe([(byte)99]);

        // ... and so must the durable offset.
        await _fixture.RestartAsync();
        consumer = _fixture.Subscribe("late-committer");
        (await consumer.ReceiveAsync(10, Timeout)).Messages[0].Offset.ShouldBeGreaterThan(newer.Messages[^1].Offset);
    }

    [Fact]
    public async Task A_restarted_log_takes_its_high_water_marks_from_the_database()
    {
        await _fixture.Writer.WriteAsync(
            ctx => _fixture.Log.Append(ctx, Enumerable.Range(0, 12).Select(i => new LogMessage(_fixture.Topic, $"patient-{i}", [(byte)i])).ToList()),
            Timeout);

        await _fixture.RestartAsync();
        var log = new EmbeddedEventLog(_fixture.Database, Options.Create(new EventLogOptions { Partitions = 4 }));
        await using var consumer = log.Subscribe("fresh", [_fixture.Topic]);
        var received = 0;
        while (received < 12)
        {
            received += (await consumer.ReceiveAsync(100, Timeout)).Messages.Count;
        }

        received.ShouldBe(12);
    }
}

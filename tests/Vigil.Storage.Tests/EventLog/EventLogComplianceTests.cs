using Vigil.Domain.Log;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Tests.EventLog;

/// <summary>
/// What every <see cref="IEventLog"/> must do, whatever carries it (DESIGN.md, "The event log"): per-key order, nothing
/// lost across restarts, consumer offsets committed with their effects, wake-ups without polling. A subclass supplies
/// the implementation through <see cref="StartAsync"/>; the embedded log runs it now, Kafka later.
/// </summary>
public abstract class EventLogComplianceTests : IAsyncLifetime
{
    private static readonly DateTimeOffset EventTime = new(2024, 5, 1, 8, 30, 0, TimeSpan.Zero);
    private readonly CancellationTokenSource _timeout = TestTimeout.Start();
    private IEventLogFixture? _fixture;
    private int _endMarkers;

    /// <summary>Starts the implementation for one test; <paramref name="name"/> is unique and safe in topic and group names.</summary>
    protected abstract Task<IEventLogFixture> StartAsync(string name);

    protected IEventLogFixture Fixture => _fixture ?? throw new InvalidOperationException("The fixture has not started.");

    protected CancellationToken Timeout => _timeout.Token;

    public async ValueTask InitializeAsync()
    {
        var method = TestContext.Current.TestMethod?.MethodName ?? "test";
        _fixture = await StartAsync($"{method[..Math.Min(method.Length, 60)]}-{Guid.NewGuid().ToString("N")[..8]}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_fixture is not null)
        {
            await _fixture.DisposeAsync();
        }

        _timeout.Dispose();
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_round_over_several_partitions_has_one_batch_per_partition_and_loses_or_repeats_nothing()
    {
        var messages = Enumerable.Range(0, 300).Select(i => Message($"patient-{i % 30}", "r", i)).ToList();
        await AppendAsync(messages);
        var consumer = Fixture.Subscribe("rounds");

        var received = new List<ConsumedMessage>();
        while (received.Count < messages.Count)
        {
            var round = await consumer.ReceiveAsync(7, 4, Timeout);
            round.Count.ShouldBeInRange(1, 4);
            round.Select(b => (b.Topic, b.Partition)).ShouldBeUnique();
            foreach (var batch in round)
            {
                batch.Messages.Count.ShouldBeInRange(1, 7);
                batch.Messages.ShouldAllBe(m => m.Topic == batch.Topic && m.Partition == batch.Partition);
                await CommitAsync(consumer, batch);
                received.AddRange(batch.Messages);
            }
        }

        received.Count.ShouldBe(messages.Count);
        received.Select(Body).ShouldBe(messages.Select(m => Body(m.Payload)), ignoreOrder: true);
        foreach (var key in messages.Select(m => m.Key).Distinct())
        {
            received.Where(m => m.Key == key).Select(Body).ShouldBe(messages.Where(m => m.Key == key).Select(m => Body(m.Payload)));
        }

        ShouldBeInOffsetOrderPerPartition(received);
    }

    [Fact]
    public async Task Messages_of_one_key_come_back_in_append_order()
    {
        var messages = new List<LogMessage>();
        for (var seq = 0; seq < 100; seq++)
        {
            messages.Add(Message("patient-1", "p", seq));
            messages.Add(Message($"patient-{2 + (seq % 5)}", "q", seq));
        }

        foreach (var job in messages.Chunk(10))
        {
            await AppendAsync(job);
        }

        var consumer = Fixture.Subscribe("readers");
        var received = Flatten(await ReceiveAsync(consumer, messages.Count, maxPerBatch: 7));

        received.Where(m => m.Key == "patient-1").Select(Body).ShouldBe(Enumerable.Range(0, 100).Select(i => $"p:{i}"));
        foreach (var key in Enumerable.Range(2, 5).Select(k => $"patient-{k}"))
        {
            received.Where(m => m.Key == key).Select(Body)
                .ShouldBe(messages.Where(m => m.Key == key).Select(m => Body(m.Payload)));
        }

        ShouldBeInOffsetOrderPerPartition(received);
    }

    [Fact]
    public async Task A_batch_holds_at_most_the_requested_number_of_messages_from_one_partition()
    {
        await AppendAsync(Enumerable.Range(0, 50).Select(i => Message("patient-1", "p", i)));
        var consumer = Fixture.Subscribe("readers");

        var batch = await consumer.ReceiveAsync(7, Timeout);

        batch.Messages.Count.ShouldBeInRange(1, 7);
        batch.Topic.ShouldBe(Fixture.Topic);
        batch.Messages.ShouldAllBe(m => m.Partition == batch.Partition && m.Topic == batch.Topic && m.Key == "patient-1");
        batch.NextOffset.ShouldBe(batch.Messages[^1].Offset + 1);
        batch.Messages.Select(Body).ShouldBe(Enumerable.Range(0, batch.Messages.Count).Select(i => $"p:{i}"));
    }

    [Fact]
    public async Task One_append_of_many_messages_is_delivered_whole_and_in_order()
    {
        // More rows than one multi-row INSERT statement holds, over several keys and so several partitions.
        var messages = Enumerable.Range(0, 250).Select(i => Message($"patient-{i % 3}", "p", i)).ToList();
        await AppendAsync(messages);
        var consumer = Fixture.Subscribe("readers");

        var received = Flatten(await ReceiveAsync(consumer, messages.Count, maxPerBatch: 100));

        foreach (var key in Enumerable.Range(0, 3).Select(k => $"patient-{k}"))
        {
            received.Where(m => m.Key == key).Select(Body)
                .ShouldBe(messages.Where(m => m.Key == key).Select(m => Body(m.Payload)));
        }

        ShouldBeInOffsetOrderPerPartition(received);
        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Appending_no_messages_changes_nothing()
    {
        await AppendAsync([]);
        var consumer = Fixture.Subscribe("readers");

        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Nothing_is_lost_across_a_restart()
    {
        var messages = Enumerable.Range(0, 200).Select(i => Message($"patient-{i % 20}", "p", i)).ToList();
        foreach (var job in messages.Chunk(10))
        {
            await AppendAsync(job);
        }

        await Fixture.RestartAsync();
        var consumer = Fixture.Subscribe("after-restart");

        var received = Flatten(await ReceiveAsync(consumer, messages.Count));

        received.Select(Body).Order().ShouldBe(messages.Select(m => Body(m.Payload)).Order());
        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Messages_appended_after_a_restart_follow_the_ones_before_it()
    {
        await AppendAsync(Enumerable.Range(0, 40).Select(i => Message($"patient-{i % 8}", "before", i)));
        var consumer = Fixture.Subscribe("readers");
        var before = Flatten(await ReceiveAsync(consumer, 40, commit: true));

        await Fixture.RestartAsync();
        await AppendAsync(Enumerable.Range(0, 40).Select(i => Message($"patient-{i % 8}", "after", i)));
        consumer = Fixture.Subscribe("readers");
        var after = Flatten(await ReceiveAsync(consumer, 40));

        after.Select(Body).Order().ShouldBe(Enumerable.Range(0, 40).Select(i => $"after:{i}").Order());
        foreach (var message in after)
        {
            before.Where(b => b.Partition == message.Partition).ShouldAllBe(b => b.Offset < message.Offset);
        }

        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_member_reports_the_offsets_its_group_committed_also_after_a_restart()
    {
        await AppendAsync(Enumerable.Range(0, 30).Select(i => Message($"patient-{i % 6}", "p", i)));
        var consumer = Fixture.Subscribe("reporter");
        var batch = await consumer.ReceiveAsync(5, Timeout);
        consumer.CommittedOffset(batch.Topic, batch.Partition).ShouldBe(0);
        await CommitAsync(consumer, batch);
        consumer.CommittedOffset(batch.Topic, batch.Partition).ShouldBe(batch.NextOffset);

        await Fixture.RestartAsync();

        Fixture.Subscribe("reporter").CommittedOffset(batch.Topic, batch.Partition).ShouldBe(batch.NextOffset);
    }

    [Fact]
    public async Task A_committed_prefix_of_a_batch_resumes_the_group_within_it_and_a_lower_offset_never_moves_it_back()
    {
        await AppendAsync(Enumerable.Range(0, 10).Select(i => Message("patient-1", "p", i)));
        var consumer = Fixture.Subscribe("prefix");
        var batch = Flatten(await ReceiveAsync(consumer, 10));
        var fourth = batch[3];

        await Fixture.Writer.WriteAsync(ctx => consumer.Commit(ctx, fourth.Topic, fourth.Partition, fourth.Offset), Timeout);
        await Fixture.Writer.WriteAsync(ctx => consumer.Commit(ctx, fourth.Topic, fourth.Partition, batch[1].Offset), Timeout);
        consumer.CommittedOffset(fourth.Topic, fourth.Partition).ShouldBe(fourth.Offset);

        await Fixture.RestartAsync();
        consumer = Fixture.Subscribe("prefix");
        Flatten(await ReceiveAsync(consumer, 7)).Select(Body).ShouldBe(Enumerable.Range(3, 7).Select(i => $"p:{i}"));
        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_consumer_group_resumes_from_its_committed_offsets_after_a_restart()
    {
        var messages = Enumerable.Range(0, 200).Select(i => Message($"patient-{i % 20}", "p", i)).ToList();
        foreach (var job in messages.Chunk(20))
        {
            await AppendAsync(job);
        }

        var consumer = Fixture.Subscribe("resumer");
        var first = new List<ConsumedMessage>();
        while (first.Count < messages.Count / 2)
        {
            var batch = await consumer.ReceiveAsync(10, Timeout);
            await CommitAsync(consumer, batch);
            first.AddRange(batch.Messages);
        }

        await Fixture.RestartAsync();
        consumer = Fixture.Subscribe("resumer");
        var rest = Flatten(await ReceiveAsync(consumer, messages.Count - first.Count));

        rest.Select(Body).Intersect(first.Select(Body)).ShouldBeEmpty();
        first.Concat(rest).Select(Body).Order().ShouldBe(messages.Select(m => Body(m.Payload)).Order());
        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_batch_consumed_but_not_committed_is_delivered_again_after_a_restart()
    {
        await AppendAsync(Enumerable.Range(0, 40).Select(i => Message("patient-1", "p", i)));
        var consumer = Fixture.Subscribe("forgetful");
        var committed = await consumer.ReceiveAsync(10, Timeout);
        await CommitAsync(consumer, committed);
        var uncommitted = await consumer.ReceiveAsync(10, Timeout);

        await Fixture.RestartAsync();
        consumer = Fixture.Subscribe("forgetful");
        var again = Flatten(await ReceiveAsync(consumer, 40 - committed.Messages.Count));

        again.Take(uncommitted.Messages.Count).Select(m => m.Offset).ShouldBe(uncommitted.Messages.Select(m => m.Offset));
        again.Select(Body).ShouldBe(Enumerable.Range(committed.Messages.Count, 40 - committed.Messages.Count).Select(i => $"p:{i}"));
        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Rewind_redelivers_from_the_committed_offset()
    {
        await AppendAsync(Enumerable.Range(0, 30).Select(i => Message("patient-1", "p", i)));
        var consumer = Fixture.Subscribe("rewinder");
        var first = await consumer.ReceiveAsync(10, Timeout);
        await CommitAsync(consumer, first);
        var second = await consumer.ReceiveAsync(10, Timeout);
        var third = await consumer.ReceiveAsync(10, Timeout);

        consumer.Rewind(third);
        var redelivered = Flatten(await ReceiveAsync(consumer, second.Messages.Count + third.Messages.Count));

        redelivered.Select(m => m.Offset).ShouldBe(second.Messages.Concat(third.Messages).Select(m => m.Offset));
        redelivered.Select(Body).ShouldBe(second.Messages.Concat(third.Messages).Select(Body));
    }

    [Fact]
    public async Task Rewind_before_any_commit_redelivers_from_the_start()
    {
        await AppendAsync(Enumerable.Range(0, 5).Select(i => Message("patient-1", "p", i)));
        var consumer = Fixture.Subscribe("rewinder");
        var batch = await consumer.ReceiveAsync(5, Timeout);

        consumer.Rewind(batch);
        var again = Flatten(await ReceiveAsync(consumer, batch.Messages.Count));

        again.Select(m => m.Offset).ShouldBe(batch.Messages.Select(m => m.Offset));
    }

    [Fact]
    public async Task An_effect_transaction_that_throws_commits_neither_its_effect_nor_its_offset()
    {
        await AppendAsync(Enumerable.Range(0, 10).Select(i => Message("patient-1", "p", i)));
        var consumer = Fixture.Subscribe("effects");
        var batch = Flatten(await ReceiveAsync(consumer, 10));
        var whole = new ConsumedBatch(Fixture.Topic, batch[0].Partition, batch);

        await Should.ThrowAsync<InvalidOperationException>(Fixture.Writer.WriteAsync(
            ctx =>
            {
                foreach (var message in whole.Messages)
                {
                    WriteEffect(ctx, Body(message));
                }

                consumer.Commit(ctx, whole);
                throw new InvalidOperationException("the effect failed");
            },
            Timeout));

        (await Fixture.ReadEffectsAsync(Timeout)).ShouldBeEmpty();
        consumer.Rewind(whole);
        Flatten(await ReceiveAsync(consumer, 10)).Select(m => m.Offset).ShouldBe(batch.Select(m => m.Offset));

        await Fixture.RestartAsync();
        consumer = Fixture.Subscribe("effects");
        var again = Flatten(await ReceiveAsync(consumer, 10));
        again.Select(m => m.Offset).ShouldBe(batch.Select(m => m.Offset));

        await Fixture.Writer.WriteAsync(
            ctx =>
            {
                foreach (var message in again)
                {
                    WriteEffect(ctx, Body(message));
                }

                consumer.Commit(ctx, new ConsumedBatch(Fixture.Topic, again[0].Partition, again));
            },
            Timeout);
        await Fixture.RestartAsync();
        consumer = Fixture.Subscribe("effects");

        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
        (await Fixture.ReadEffectsAsync(Timeout)).ShouldBe(Enumerable.Range(0, 10).Select(i => $"p:{i}"));
    }

    [Fact]
    public async Task Concurrent_producers_are_each_consumed_exactly_once_with_per_key_order_preserved()
    {
        const int producers = 8;
        const int perProducer = 500;
        const int keys = 50;
        var consumer = Fixture.Subscribe("exactly-once");
        var consuming = Task.Run(() => ReceiveAsync(consumer, producers * perProducer, maxPerBatch: 64, commit: true), Timeout);

        await Task.WhenAll(Enumerable.Range(0, producers).Select(p => Task.Run(
            async () =>
            {
                var messages = Enumerable.Range(0, perProducer).Select(seq => Message($"patient-{(seq + (p * 7)) % keys}", $"producer{p}", seq));
                foreach (var job in messages.Chunk(10))
                {
                    await AppendAsync(job);
                }
            },
            Timeout)));
        var received = Flatten(await consuming.WaitAsync(Timeout));

        var bodies = received.Select(Body).ToList();
        bodies.Distinct().Count().ShouldBe(bodies.Count, "no message is delivered twice");
        bodies.Order().ShouldBe(Enumerable.Range(0, producers)
            .SelectMany(p => Enumerable.Range(0, perProducer).Select(seq => $"producer{p}:{seq}")).Order());
        foreach (var stream in received.GroupBy(m => (m.Key, Producer: Body(m).Split(':')[0])))
        {
            var seqs = stream.Select(m => int.Parse(Body(m).Split(':')[1], System.Globalization.CultureInfo.InvariantCulture)).ToList();
            seqs.ShouldBe(seqs.Order().ToList(), $"{stream.Key} arrives in the order it was appended");
        }

        ShouldBeInOffsetOrderPerPartition(received);
        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_consumer_waiting_in_ReceiveAsync_wakes_when_a_message_is_appended()
    {
        var consumer = Fixture.Subscribe("waiter");
        var receiving = consumer.ReceiveAsync(10, Timeout).AsTask();
        receiving.IsCompleted.ShouldBeFalse("the log is empty");

        await AppendAsync([Message("patient-1", "p", 0)]);
        var batch = await receiving.WaitAsync(Timeout);

        batch.Messages.Select(Body).ShouldBe(["p:0"]);
    }

    [Fact]
    public async Task A_waiting_consumer_is_not_handed_a_message_whose_append_was_rolled_back()
    {
        var consumer = Fixture.Subscribe("waiter");
        var receiving = consumer.ReceiveAsync(10, Timeout).AsTask();

        await Should.ThrowAsync<InvalidOperationException>(Fixture.Writer.WriteAsync(
            ctx =>
            {
                Fixture.Log.Append(ctx, [Message("patient-1", "rolled-back", 0)]);
                throw new InvalidOperationException("the producer's transaction failed");
            },
            Timeout));
        await AppendAsync([Message("patient-1", "p", 0)]);
        var batch = await receiving.WaitAsync(Timeout);

        batch.Messages.Select(Body).ShouldBe(["p:0"]);
        (await ReceiveUntilEndAsync(consumer)).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_waiting_consumer_stops_when_its_token_is_cancelled()
    {
        var consumer = Fixture.Subscribe("waiter");
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Timeout);
        var receiving = consumer.ReceiveAsync(10, stop.Token).AsTask();

        await stop.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(receiving.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Two_groups_each_see_every_message()
    {
        var messages = Enumerable.Range(0, 100).Select(i => Message($"patient-{i % 10}", "p", i)).ToList();
        foreach (var job in messages.Chunk(25))
        {
            await AppendAsync(job);
        }

        var a = Fixture.Subscribe("group-a");
        var b = Fixture.Subscribe("group-b");

        var seenByA = Flatten(await ReceiveAsync(a, messages.Count, commit: true));
        var seenByB = Flatten(await ReceiveAsync(b, messages.Count));

        var expected = messages.Select(m => Body(m.Payload)).Order().ToList();
        seenByA.Select(Body).Order().ShouldBe(expected);
        seenByB.Select(Body).Order().ShouldBe(expected);
        (await ReceiveUntilEndAsync(a)).ShouldBeEmpty();
        (await ReceiveUntilEndAsync(b)).ShouldBeEmpty();
    }

    [Fact]
    public async Task The_same_key_always_maps_to_the_same_partition()
    {
        var keys = Enumerable.Range(0, 30).Select(i => $"patient-{i}").ToList();
        await AppendAsync(keys.Select(k => Message(k, "round", 0)));
        await AppendAsync(keys.Select(k => Message(k, "round", 1)));
        await Fixture.RestartAsync();
        await AppendAsync(keys.Select(k => Message(k, "round", 2)));
        var consumer = Fixture.Subscribe("mapper");

        var received = Flatten(await ReceiveAsync(consumer, keys.Count * 3));

        var partitions = Fixture.Log.PartitionCount(Fixture.Topic);
        foreach (var byKey in received.GroupBy(m => m.Key))
        {
            byKey.Count().ShouldBe(3);
            byKey.Select(m => m.Partition).Distinct().ShouldBe([KeyPartitioner.PartitionFor(byKey.Key, partitions)]);
        }

        received.Select(m => m.Partition).Distinct().Count().ShouldBeGreaterThan(1, "thirty keys spread over the partitions");
    }

    [Fact]
    public async Task The_envelope_comes_back_as_it_was_appended()
    {
        var payload = Envelope.Encode(
            "msg-1", "reading.raw", "patient-1", EventTime, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            42.5, static (w, v) => w.WriteNumberValue(v));
        await AppendAsync([new LogMessage(Fixture.Topic, "patient-1", payload)]);
        var consumer = Fixture.Subscribe("readers");

        var message = (await consumer.ReceiveAsync(1, Timeout)).Messages.Single();

        message.Payload.ShouldBe(payload);
        var envelope = Envelope.Decode(message.Payload);
        envelope.MessageId.ShouldBe("msg-1");
        envelope.Type.ShouldBe("reading.raw");
        envelope.Key.ShouldBe("patient-1");
        envelope.EventTime.ShouldBe(EventTime);
        envelope.TraceParent.ShouldBe("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        envelope.Body.GetDouble().ShouldBe(42.5);
    }

    /// <summary>A message whose envelope body (and id) is <c>producer:seq</c>.</summary>
    protected LogMessage Message(string key, string producer, int seq)
    {
        var body = $"{producer}:{seq}";
        return new LogMessage(
            Fixture.Topic, key, Envelope.Encode(body, "compliance.test", key, EventTime, null, body, static (w, b) => w.WriteStringValue(b)));
    }

    protected static string Body(ConsumedMessage message) => Body(message.Payload);

    protected static string Body(byte[] payload) => Envelope.Decode(payload).Body.GetString()!;

    protected Task AppendAsync(IEnumerable<LogMessage> messages)
    {
        var list = messages.ToList();
        return Fixture.Writer.WriteAsync(ctx => Fixture.Log.Append(ctx, list), Timeout);
    }

    protected Task CommitAsync(ILogConsumer consumer, ConsumedBatch batch) =>
        Fixture.Writer.WriteAsync(ctx => consumer.Commit(ctx, batch), Timeout);

    /// <summary>Receives batches until <paramref name="count"/> messages have come, never asking for more than that.</summary>
    protected async Task<List<ConsumedBatch>> ReceiveAsync(ILogConsumer consumer, int count, int maxPerBatch = 50, bool commit = false)
    {
        var batches = new List<ConsumedBatch>();
        var received = 0;
        while (received < count)
        {
            var batch = await consumer.ReceiveAsync(Math.Min(maxPerBatch, count - received), Timeout);
            batch.Messages.ShouldNotBeEmpty();
            batch.Messages.ShouldAllBe(m => m.Topic == batch.Topic && m.Partition == batch.Partition);
            if (commit)
            {
                await CommitAsync(consumer, batch);
            }

            batches.Add(batch);
            received += batch.Messages.Count;
        }

        return batches;
    }

    /// <summary>
    /// Everything the consumer still had coming: appends one end marker to every partition and receives until all the
    /// markers are back. A partition is read in order, so past its marker nothing appended earlier can still arrive.
    /// </summary>
    protected async Task<List<ConsumedMessage>> ReceiveUntilEndAsync(ILogConsumer consumer)
    {
        var producer = $"end{Interlocked.Increment(ref _endMarkers)}";
        var partitions = Fixture.Log.PartitionCount(Fixture.Topic);
        var keys = new Dictionary<int, string>();
        for (var i = 0; keys.Count < partitions; i++)
        {
            keys.TryAdd(KeyPartitioner.PartitionFor($"end-{i}", partitions), $"end-{i}");
        }

        await AppendAsync(keys.Values.Select((key, i) => Message(key, producer, i)));
        var ended = new HashSet<int>();
        var rest = new List<ConsumedMessage>();
        while (ended.Count < partitions)
        {
            foreach (var message in (await consumer.ReceiveAsync(100, Timeout)).Messages)
            {
                if (Body(message).StartsWith(producer + ":", StringComparison.Ordinal))
                {
                    ended.Add(message.Partition);
                }
                else if (!Body(message).StartsWith("end", StringComparison.Ordinal))
                {
                    rest.Add(message);
                }
            }
        }

        return rest;
    }

    protected static void WriteEffect(WriteContext ctx, string effect)
    {
        using var command = ctx.CreateCommand("INSERT INTO compliance_effects (effect) VALUES (@effect)");
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@effect";
        parameter.Value = effect;
        command.Parameters.Add(parameter);
        command.ExecuteNonQuery();
    }

    protected static List<ConsumedMessage> Flatten(IEnumerable<ConsumedBatch> batches) => batches.SelectMany(b => b.Messages).ToList();

    protected static void ShouldBeInOffsetOrderPerPartition(IEnumerable<ConsumedMessage> messages)
    {
        foreach (var partition in messages.GroupBy(m => (m.Topic, m.Partition)))
        {
            var offsets = partition.Select(m => m.Offset).ToList();
            for (var i = 1; i < offsets.Count; i++)
            {
                offsets[i].ShouldBeGreaterThan(offsets[i - 1], $"offsets of {partition.Key} rise strictly");
            }
        }
    }
}

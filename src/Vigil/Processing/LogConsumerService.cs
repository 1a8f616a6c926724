using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using Vigil.Domain.Log;
using Vigil.Hosting.Readiness;
using Vigil.Observability;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Processing;

/// <summary>
/// A consumer-group member that applies each batch's effects and the group's offset in one write transaction, so every
/// message's effects happen exactly once across crashes and restarts. A batch whose handling throws is taken apart:
/// each message is retried alone with exponential backoff, and one that still fails goes to the dead-letter topic,
/// in the same transaction that moves the offset past it, so processing goes on and nothing is lost.
/// </summary>
public abstract class LogConsumerService(IEventLog log, GroupCommitter writer, TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>How many times a failing message is tried before it is dead-lettered.</summary>
    public const int Attempts = 4;

    private readonly ProgressSignal _progress = new();
    private readonly ConcurrentDictionary<(string CustomerId, string Id), TaskCompletionSource> _waiters = new();

    /// <summary>
    /// Completes once the message at <paramref name="offset"/> of the partition has been handled (or dead-lettered)
    /// and committed by this member: lets callers wait for processing without polling.
    /// </summary>
    public Task ProcessedAsync(string topic, int partition, long offset, CancellationToken cancellationToken) =>
        _progress.WaitAsync(topic, partition, offset, cancellationToken);

    /// <summary>
    /// Completes once this member has handled (or dead-lettered) and committed the message whose body has this
    /// <c>customerId</c> and <c>id</c> (a reading's id). Call it before the message is sent: only messages committed after
    /// the call complete it. For tests and diagnostics; nothing is kept when no one waits.
    /// </summary>
    public Task WhenHandled(string customerId, string id) =>
        _waiters.GetOrAdd((customerId, id), static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>"assigned" once this member has subscribed and knows its committed offsets; <c>/health/ready</c> reports it.</summary>
    public ConsumerReadiness Readiness { get; } = new();

    /// <summary>The log this member reads from and its handler appends to.</summary>
    protected IEventLog Log { get; } = log;

    protected abstract string GroupId { get; }

    /// <summary>
    /// Where replayed dead letters of <paramref name="group"/> go: a topic only that group reads, so a replay is handled
    /// again by the group that failed it and by no other group that already handled the original.
    /// </summary>
    public static string ReplayTopic(string group) => "replay." + group;

    protected abstract IReadOnlyList<string> Topics { get; }

    protected virtual int BatchSize => 500;

    /// <summary>How many partitions' batches one round hands to the writer together, as one write job.</summary>
    protected virtual int MaxPartitionsPerRound => 16;

    /// <summary>First retry delay; doubled for each further attempt (100 ms, 200 ms, 400 ms).</summary>
    protected virtual TimeSpan FirstRetryDelay => TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Applies the effects of <paramref name="messages"/> inside <paramref name="ctx"/>: a round's messages, partition
    /// after partition, each partition's in offset order (so each key's in order).
    /// </summary>
    protected abstract void Handle(WriteContext ctx, IReadOnlyList<ConsumedMessage> messages);

    /// <summary>
    /// The writer's part of handling <paramref name="messages"/>; by default all of <see cref="Handle"/>. A stage whose
    /// handling starts with work that needs no database (decoding the messages) does that work here, on this member's
    /// own task, and hands the single writer thread only the rest. It may throw for a message it cannot read: the round
    /// is then taken apart like a round whose handling threw.
    /// </summary>
    protected virtual Action<WriteContext> Plan(IReadOnlyList<ConsumedMessage> messages) => ctx => Handle(ctx, messages);

    /// <summary>
    /// Called on the writer, before the next batch is handled, when this member has been handed partitions since the
    /// last batch (<see cref="ILogConsumer.Generation"/>): forget what is cached about keys another member may have
    /// changed in between.
    /// </summary>
    protected virtual void Reassigned()
    {
    }

    private int _generation;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await ConsumeAsync(stoppingToken);
        }
        finally
        {
            Readiness.Stopped();
        }
    }

    private async Task ConsumeAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<string> topics = [.. Topics, ReplayTopic(GroupId)];
        await using var consumer = Log.Subscribe(GroupId, topics);

        // What the group committed before this process started counts as processed too.
        foreach (var topic in topics)
        {
            for (var partition = 0; partition < Log.PartitionCount(topic); partition++)
            {
                _progress.Committed(topic, partition, consumer.CommittedOffset(topic, partition));
            }
        }

        Readiness.Assigned();
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<ConsumedBatch> batches;
            try
            {
                batches = await consumer.ReceiveAsync(BatchSize, MaxPartitionsPerRound, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Group}: reading the log failed; trying again", GroupId);
                await Task.Delay(FirstRetryDelay, clock, stoppingToken);
                continue;
            }

            await ProcessAsync(consumer, batches, stoppingToken);
        }
    }

    /// <summary>
    /// Hands a round's batches to the writer as one job: one handling of all their messages (a stage's reads and
    /// writes for the round's patients go to the database once, not once per partition) and their offsets, in one
    /// transaction. When that fails, each partition's batch is taken on its own, so one failing batch fails alone.
    /// </summary>
    private async Task ProcessAsync(ILogConsumer consumer, IReadOnlyList<ConsumedBatch> batches, CancellationToken stoppingToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var spans = StageSpans.Start(GroupId, batches);
        try
        {
            var handle = Plan(batches.Count == 1 ? batches[0].Messages : [.. batches.SelectMany(b => b.Messages)]);
            await writer.WriteAsync(ctx =>
            {
                Forget(consumer);
                handle(ctx);
                foreach (var batch in batches)
                {
                    Commit(ctx, consumer, batch);
                }
            }, stoppingToken);
            StageMetrics.Completed(GroupId, Stopwatch.GetElapsedTime(started), batches.Sum(b => b.Messages.Count));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (StorageUnavailableException e)
        {
            await ReadAgainLaterAsync(consumer, batches, e, stoppingToken);
        }
        catch (PartitionLostException e) when (batches.Count > 1)
        {
            // One of them went to another member: the others commit without it.
            logger.LogInformation("{Group}: {Message}", GroupId, e.Message);
            foreach (var batch in batches)
            {
                await ProcessAsync(consumer, [batch], stoppingToken);
            }
        }
        catch (PartitionLostException e)
        {
            // Another member owns the partition now and handles these messages; nothing of this batch was committed.
            logger.LogInformation("{Group}: {Message}", GroupId, e.Message);
            consumer.Rewind(batches[0]);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "{Group}: a round of {Count} messages from {Partitions} partition(s) failed; handling its messages one by one",
                GroupId, batches.Sum(b => b.Messages.Count), batches.Count);
            foreach (var batch in batches)
            {
                try
                {
                    await HandleOneByOneAsync(consumer, batch, stoppingToken);
                }
                catch (StorageUnavailableException unavailable)
                {
                    await ReadAgainLaterAsync(consumer, [batch], unavailable, stoppingToken);
                }
                catch (PartitionLostException lost)
                {
                    logger.LogInformation("{Group}: {Message}", GroupId, lost.Message);
                    consumer.Rewind(batch);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Runs on the writer thread, as the handlers and their after-commit actions do.</summary>
    private void Forget(ILogConsumer consumer)
    {
        if (consumer.Generation != _generation)
        {
            _generation = consumer.Generation;
            Reassigned();
        }
    }

    private void Commit(WriteContext ctx, ILogConsumer consumer, ConsumedBatch batch)
    {
        consumer.Commit(ctx, batch);
        ctx.OnCommitted(() => _progress.Committed(batch.Topic, batch.Partition, batch.NextOffset));
        if (!_waiters.IsEmpty)
        {
            ctx.OnCommitted(() => Release(batch));
        }
    }

    private void Release(ConsumedBatch batch)
    {
        foreach (var message in batch.Messages)
        {
            using var doc = JsonDocument.Parse(message.Payload);
            if (doc.RootElement.TryGetProperty("body", out var body) && body.ValueKind == JsonValueKind.Object
                && body.TryGetProperty("customerId", out var customer) && body.TryGetProperty("id", out var id)
                && _waiters.TryRemove((customer.GetString()!, id.GetString()!), out var waiter))
            {
                waiter.TrySetResult();
            }
        }
    }

    /// <summary>Nothing past the committed offsets was stored: go back to them and read the batches again once the store answers.</summary>
    private async Task ReadAgainLaterAsync(ILogConsumer consumer, IReadOnlyList<ConsumedBatch> batches, Exception e, CancellationToken stoppingToken)
    {
        logger.LogWarning(e, "{Group}: storage unavailable; {Partitions} will be read again", GroupId,
            string.Join(", ", batches.Select(b => $"{b.Topic}/{b.Partition}")));
        foreach (var batch in batches)
        {
            consumer.Rewind(batch);
        }

        await Task.Delay(FirstRetryDelay, clock, stoppingToken);
    }

    private async Task HandleOneByOneAsync(ILogConsumer consumer, ConsumedBatch batch, CancellationToken stoppingToken)
    {
        foreach (var message in batch.Messages)
        {
            var single = new ConsumedBatch(batch.Topic, batch.Partition, [message]);
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    var handle = Plan(single.Messages);
                    await writer.WriteAsync(ctx =>
                    {
                        Forget(consumer);
                        handle(ctx);
                        Commit(ctx, consumer, single);
                    }, stoppingToken);
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException and not StorageUnavailableException and not PartitionLostException && attempt < Attempts)
                {
                    await Task.Delay(FirstRetryDelay * Math.Pow(2, attempt - 1), clock, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException and not StorageUnavailableException and not PartitionLostException)
                {
                    logger.LogError(e, "{Group}: {Topic}/{Partition}@{Offset} failed {Attempts} times and goes to the dead-letter topic",
                        GroupId, message.Topic, message.Partition, message.Offset, Attempts);
                    await writer.WriteAsync(ctx =>
                    {
                        DeadLetter.Record(ctx, Log, message, GroupId, "handler failed", e.Message);
                        Commit(ctx, consumer, single);
                    }, stoppingToken);
                    break;
                }
            }
        }
    }
}

using Vigil.Domain.Log;
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

    /// <summary>
    /// Completes once the message at <paramref name="offset"/> of the partition has been handled (or dead-lettered)
    /// and committed by this member: lets callers wait for processing without polling.
    /// </summary>
    public Task ProcessedAsync(string topic, int partition, long offset, CancellationToken cancellationToken) =>
        _progress.WaitAsync(topic, partition, offset, cancellationToken);

    /// <summary>The log this member reads from and its handler appends to.</summary>
    protected IEventLog Log { get; } = log;

    protected abstract string GroupId { get; }

    protected abstract IReadOnlyList<string> Topics { get; }

    protected virtual int BatchSize => 500;

    /// <summary>How many messages one write job takes at most, over all partitions.</summary>
    protected virtual int MaxMessagesPerJob => 2000;

    /// <summary>First retry delay; doubled for each further attempt (100 ms, 200 ms, 400 ms).</summary>
    protected virtual TimeSpan FirstRetryDelay => TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Applies the effects of <paramref name="messages"/> inside <paramref name="ctx"/>. They may come from several
    /// partitions; each partition's messages are in offset order, so one patient's messages are in order.
    /// </summary>
    protected abstract void Handle(WriteContext ctx, IReadOnlyList<ConsumedMessage> messages);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await using var consumer = Log.Subscribe(GroupId, Topics);
        while (!stoppingToken.IsCancellationRequested)
        {
            // Wait for one partition's batch, then take every other partition's that is waiting too: one write job per
            // round instead of one per partition, which matters because all jobs share the one writer.
            var batches = new List<ConsumedBatch>();
            try
            {
                batches.Add(await consumer.ReceiveAsync(BatchSize, stoppingToken));
                var count = batches[0].Messages.Count;
                while (count < MaxMessagesPerJob && consumer.TryReceive(BatchSize, out var more))
                {
                    batches.Add(more);
                    count += more.Messages.Count;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogError(e, "{Group}: reading the log failed; trying again", GroupId);
                foreach (var read in batches)
                {
                    consumer.Rewind(read);
                }

                await Task.Delay(FirstRetryDelay, clock, stoppingToken);
                continue;
            }

            try
            {
                // Partitions are independent and each keeps its order, so their messages are handled together.
                var messages = batches.Count == 1 ? batches[0].Messages : batches.SelectMany(b => b.Messages).ToList();
                await writer.WriteAsync(ctx =>
                {
                    Handle(ctx, messages);
                    foreach (var batch in batches)
                    {
                        Commit(ctx, consumer, batch);
                    }
                }, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (StorageUnavailableException e)
            {
                await ReadAgainLaterAsync(consumer, batches, e, stoppingToken);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "{Group}: a job of {Count} batches failed; handling its messages one by one", GroupId, batches.Count);
                try
                {
                    foreach (var batch in batches)
                    {
                        await HandleOneByOneAsync(consumer, batch, stoppingToken);
                    }
                }
                catch (StorageUnavailableException unavailable)
                {
                    await ReadAgainLaterAsync(consumer, batches, unavailable, stoppingToken);
                }
            }
        }
    }

    private void Commit(WriteContext ctx, ILogConsumer consumer, ConsumedBatch batch)
    {
        consumer.Commit(ctx, batch);
        ctx.OnCommitted(() => _progress.Committed(batch.Topic, batch.Partition, batch.NextOffset));
    }

    /// <summary>Nothing past the committed offsets was stored: go back to them and read again once the store answers.</summary>
    private async Task ReadAgainLaterAsync(ILogConsumer consumer, List<ConsumedBatch> batches, Exception e, CancellationToken stoppingToken)
    {
        logger.LogWarning(e, "{Group}: storage unavailable; {Count} partitions will be read again", GroupId, batches.Count);
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
                    await writer.WriteAsync(ctx =>
                    {
                        Handle(ctx, single.Messages);
                        Commit(ctx, consumer, single);
                    }, stoppingToken);
                    break;
                }
                catch (Exception e) when (e is not OperationCanceledException && e is not StorageUnavailableException && attempt < Attempts)
                {
                    await Task.Delay(FirstRetryDelay * Math.Pow(2, attempt - 1), clock, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException && e is not StorageUnavailableException)
                {
                    logger.LogError(e, "{Group}: {Topic}/{Partition}@{Offset} failed {Attempts} times and goes to the dead-letter topic",
                        GroupId, message.Topic, message.Partition, message.Offset, Attempts);
                    await writer.WriteAsync(ctx =>
                    {
                        Log.Append(ctx, [DeadLetter.For(message, GroupId, "handler failed", e.Message, ctx.Now)]);
                        Commit(ctx, consumer, single);
                    }, stoppingToken);
                    break;
                }
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Threading.Channels;
using Vigil.Domain.Log;
using Vigil.Hosting.Readiness;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Events;

/// <summary>
/// The process role: consumer group <c>process</c> on <c>events</c> (and its replay topic) hands each clinical event to
/// the handler of its type. Parallel by key, as Confluent's parallel consumer is: every patient has a lane that runs
/// its events one at a time in offset order, and lanes run concurrently, within a partition and across partitions, so
/// a slow handler holds up only its own patient. Handlers run outside the database writer; an event's effects, its
/// status and the group's offset are written in one transaction, and that transaction first checks the event is still
/// unhandled, so no effect is applied twice however often the event is delivered. The committed offset of a
/// partition is its lowest unfinished message (<see cref="OffsetTracker"/>).
/// </summary>
internal sealed partial class EventProcessor : BackgroundService
{
    public const string Group = "process";

    /// <summary>
    /// Messages received and not yet finished, over all lanes. Back-pressure: past this the processor reads no more
    /// until some finish, so one patient's backlog cannot fill memory. It can hold up other patients once reached
    /// (Confluent's parallel consumer has the same limit, max.poll.records in flight).
    /// </summary>
    public const int MaxInFlight = 1_000;

    private const int BatchSize = 100;

    private readonly IEventLog _log;
    private readonly GroupCommitter _writer;
    private readonly Storage.Events.EventStore _events;
    private readonly IReadOnlyDictionary<string, IEventHandler> _handlers;
    private readonly TimeProvider _clock;
    private readonly ILogger<EventProcessor> _logger;
    private readonly OffsetTracker _offsets = new();
    private readonly ProgressSignal _progress = new();
    private readonly SemaphoreSlim _slots = new(MaxInFlight);
    private readonly Channel<bool> _behind = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConcurrentDictionary<(string CustomerId, string EventId), TaskCompletionSource> _waiters = new();
    private ILogConsumer? _consumer;

    public EventProcessor(
        IEventLog log, Writers writers, Storage.Events.EventStore events, IEnumerable<IEventHandler> handlers, TimeProvider clock,
        ILogger<EventProcessor> logger)
    {
        _log = log;
        _writer = writers.For(Group);
        _events = events;
        _clock = clock;
        _logger = logger;
        var routes = new Dictionary<string, IEventHandler>();
        foreach (var handler in handlers)
        {
            foreach (var type in handler.Types)
            {
                if (!routes.TryAdd(type, handler))
                {
                    throw new InvalidOperationException(
                        $"Event type '{type}' has two handlers, {routes[type].GetType().Name} and {handler.GetType().Name}.");
                }
            }
        }

        _handlers = routes;
    }

    /// <summary>
    /// Completes once event <paramref name="eventId"/> has been handled (processed, failed, dead-lettered, or found
    /// handled already) and its outcome committed. Call it before the event is sent or replayed: only handling after
    /// the call completes it. For tests and diagnostics; nothing is kept when no one waits.
    /// </summary>
    public Task WhenHandled(string customerId, string eventId) =>
        _waiters.GetOrAdd((customerId, eventId), static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    /// <summary>"assigned" once this member has subscribed and knows its committed offsets; <c>/health/ready</c> reports it.</summary>
    public ConsumerReadiness Readiness { get; } = new();

    /// <summary>Completes once the group's committed offset of the partition is past <paramref name="offset"/>.</summary>
    public Task ProcessedAsync(string topic, int partition, long offset, CancellationToken cancellationToken) =>
        _progress.WaitAsync(topic, partition, offset, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        IReadOnlyList<string> topics = [Topics.Events, LogConsumerService.ReplayTopic(Group)];
        await using var consumer = _log.Subscribe(Group, topics);
        _consumer = consumer;
        foreach (var topic in topics)
        {
            for (var partition = 0; partition < _log.PartitionCount(topic); partition++)
            {
                var committed = consumer.CommittedOffset(topic, partition);
                _offsets.Start(topic, partition, committed);
                _progress.Committed(topic, partition, committed);
            }
        }

        Readiness.Assigned();
        var lanes = new KeyedLanes<ConsumedMessage>(RunAsync, stoppingToken);
        var committer = CommitBehindAsync(stoppingToken);
        try
        {
            await ReceiveAsync(consumer, lanes, stoppingToken);
        }
        finally
        {
            Readiness.Stopped();
            await lanes.StoppedAsync();
            await committer;
            await CommitBehindOnceAsync(CancellationToken.None); // what finished before the stop, so less is handed out again
        }
    }

    private async Task ReceiveAsync(ILogConsumer consumer, KeyedLanes<ConsumedMessage> lanes, CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var slots = 0;
            ConsumedBatch batch;
            try
            {
                await _slots.WaitAsync(stoppingToken);
                slots = 1;
                while (slots < BatchSize && _slots.Wait(0, CancellationToken.None))
                {
                    slots++;
                }

                batch = await consumer.ReceiveAsync(slots, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                ReleaseSlots(slots);
                _logger.LogError(e, "{Group}: reading the log failed; trying again", Group);
                try
                {
                    await DelayAsync(FirstRetryDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            ReleaseSlots(slots - batch.Messages.Count);
            foreach (var message in batch.Messages)
            {
                _offsets.Received(message.Topic, message.Partition, message.Offset);
                lanes.Enqueue(message.Key, message);
            }
        }
    }

    private void ReleaseSlots(int count)
    {
        if (count > 0)
        {
            _slots.Release(count);
        }
    }

    private async Task RunAsync(ConsumedMessage message, CancellationToken stoppingToken)
    {
        try
        {
            await HandleAsync(message, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            // Not expected (handler failures are retried and dead-lettered inside): the message stays unfinished, so the
            // partition's offset stays before it and a restart hands it out again.
            _logger.LogCritical(e, "{Group}: {Topic}/{Partition}@{Offset} could not be handled and stays unfinished until a restart",
                Group, message.Topic, message.Partition, message.Offset);
        }
        finally
        {
            _slots.Release();
        }
    }

    /// <summary>
    /// Commits, in the effect job, where the group may resume the message's partition once this message is finished;
    /// after commit the message counts as finished and anyone waiting for its event is told.
    /// </summary>
    private void CommitWith(WriteContext ctx, ConsumedMessage message, string? customerId, string? eventId)
    {
        var next = _offsets.ResumeWith(message.Topic, message.Partition, message.Offset);
        var commits = next > _offsets.CommittedOffset(message.Topic, message.Partition);
        if (commits)
        {
            _consumer!.Commit(ctx, message.Topic, message.Partition, next);
        }

        ctx.OnCommitted(() =>
        {
            if (commits)
            {
                Committed(message.Topic, message.Partition, next);
            }

            Finished(message, customerId, eventId);
        });
    }

    /// <summary>The message is done with (its outcome durable, or it needed none): it may now be committed past.</summary>
    private void Finished(ConsumedMessage message, string? customerId, string? eventId)
    {
        if (_offsets.Finished(message.Topic, message.Partition, message.Offset))
        {
            // Messages of this partition finished in the same group transaction, or a skipped one, leave the committed
            // offset behind the finished prefix: the committer catches it up.
            _behind.Writer.TryWrite(true);
        }

        if (customerId is not null && eventId is not null && _waiters.TryRemove((customerId, eventId), out var waiter))
        {
            waiter.TrySetResult();
        }
    }

    private void Committed(string topic, int partition, long next)
    {
        _offsets.Committed(topic, partition, next);
        _progress.Committed(topic, partition, next);
    }

    private async Task CommitBehindAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var _ in _behind.Reader.ReadAllAsync(stoppingToken))
            {
                await CommitBehindOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One write job that moves every partition whose finished prefix is past its committed offset.</summary>
    private async Task CommitBehindOnceAsync(CancellationToken cancellationToken)
    {
        var behind = _offsets.Behind();
        if (behind.Count == 0)
        {
            return;
        }

        try
        {
            await _writer.WriteAsync(ctx =>
            {
                foreach (var (topic, partition, next) in behind)
                {
                    _consumer!.Commit(ctx, topic, partition, next);
                }

                ctx.OnCommitted(() =>
                {
                    foreach (var (topic, partition, next) in behind)
                    {
                        Committed(topic, partition, next);
                    }
                });
            }, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The next finished message commits past these anyway, and a restart only hands out finished ones again.
            _logger.LogWarning(e, "{Group}: committing finished offsets failed", Group);
        }
    }

    private Task DelayAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, _clock, cancellationToken);

    public override void Dispose()
    {
        _slots.Dispose();
        base.Dispose();
    }
}

using System.Threading.Channels;
using Confluent.Kafka;
using Dapper;
using Npgsql;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Kafka;

/// <summary>
/// One member of a consumer group on Kafka (docs/distributed.md, "Consuming"). Kafka assigns partitions; the group's
/// positions live in PostgreSQL's <c>consumer_offsets</c>, committed in the transaction of the member's effects. On
/// assignment the member takes ownership of each partition's row (a fresh token in <c>owner</c>, written under the
/// row's lock, which also waits for a previous owner's commit in flight) and starts at the stored position; a commit
/// moves the position only while the row still names this member, so a member that lost a partition in a rebalance
/// cannot commit effects for it: its transaction fails and rolls back, and the new owner handles those messages once.
/// </summary>
internal sealed class KafkaConsumer : ILogConsumer
{
    private readonly NpgsqlDataSource _db;
    private readonly KafkaOptions _options;
    private readonly string _group;
    private readonly IConsumer<string, byte[]?> _consumer;
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Topic, int Partition), string> _owned = [];        // partition -> ownership token
    private readonly Dictionary<(string Topic, int Partition), long> _committed = [];      // stored positions known here
    private readonly Dictionary<(string Topic, int Partition), Queue<ConsumedMessage>> _buffered = [];
    private readonly HashSet<TopicPartition> _unowned = [];                                 // assigned while the database was down
    private DateTime _nextOwnershipAttempt;
    private int _disposed;
    private readonly Channel<ReceiveRequest> _requests = Channel.CreateUnbounded<ReceiveRequest>(new UnboundedChannelOptions { SingleReader = true });
    private Thread? _receiver;
    private int _generation;

    public int Generation => Volatile.Read(ref _generation);

    public KafkaConsumer(NpgsqlDataSource db, KafkaOptions options, string group, IReadOnlyList<string> topics)
    {
        _db = db;
        _options = options;
        _group = group;
        var config = new ConsumerConfig(options.ClientConfig())
        {
            GroupId = options.GroupName(group),
            EnableAutoCommit = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Vigil reads a record's topic, partition, offset, key and value only: the client need not build header
            // and timestamp objects for every record (the envelope carries Vigil's metadata).
            ConsumeResultFields = "topic",
        };
        _consumer = new ConsumerBuilder<string, byte[]?>(config)
            .SetValueDeserializer(EnvelopeDeserializer.Instance)
            .SetPartitionsAssignedHandler((_, partitions) => Assigned(partitions))
            .SetPartitionsRevokedHandler((_, partitions) => Revoked(partitions))
            .Build();
        _consumer.Subscribe(topics.Select(options.TopicName));
    }

    /// <summary>
    /// Takes ownership of newly assigned partitions and starts each at the group's stored position. When PostgreSQL does
    /// not answer, the partitions stay assigned but unowned: what is read from them is dropped, and the receive loop
    /// takes ownership (and seeks to the stored position) once the database is back.
    /// </summary>
    private IEnumerable<TopicPartitionOffset> Assigned(List<TopicPartition> partitions)
    {
        var owned = TryTakeOwnership(partitions);
        if (owned is null)
        {
            lock (_gate)
            {
                _unowned.UnionWith(partitions);
            }

            return partitions.Select(p => new TopicPartitionOffset(p, Offset.Unset));
        }

        return owned.Select(o => new TopicPartitionOffset(o.Partition, new Offset(o.Next)));
    }

    /// <summary>Writes this member's token on the partitions' rows and reads their positions; null when the database does not answer.</summary>
    private List<(TopicPartition Partition, long Next)>? TryTakeOwnership(IReadOnlyCollection<TopicPartition> partitions)
    {
        var token = Identifiers.New();
        var topics = partitions.Select(p => VigilTopic(p.Topic)).ToArray();
        var numbers = partitions.Select(p => (long)p.Partition.Value).ToArray();
        Dictionary<(string, int), long> stored;
        try
        {
            using var connection = _db.OpenConnection();
            stored = connection.Query<(string Topic, long Partition, long NextOffset)>(
                    """
                    INSERT INTO consumer_offsets (group_id, topic, partition, next_offset, updated_at, owner)
                    SELECT @group, t, p, 0, @now, @token FROM unnest(@topics, @numbers) AS a(t, p)
                    ON CONFLICT (group_id, topic, partition) DO UPDATE SET owner = excluded.owner, updated_at = excluded.updated_at
                    RETURNING topic, partition, next_offset
                    """,
                    new { group = _group, topics, numbers, token, now = EventTime.ToMicros(DateTimeOffset.UtcNow) })
                .ToDictionary(r => (r.Topic, (int)r.Partition), r => r.NextOffset);
        }
        catch (Exception e) when (e is System.Data.Common.DbException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return null;
        }

        Interlocked.Increment(ref _generation);
        lock (_gate)
        {
            foreach (var (key, next) in stored)
            {
                _owned[key] = token;
                _committed[key] = next;
                _buffered.Remove(key);
            }

            _unowned.ExceptWith(partitions);
        }

        return partitions.Select(p => (p, stored[(VigilTopic(p.Topic), p.Partition.Value)])).ToList();
    }

    /// <summary>Takes ownership of partitions assigned while the database was down, and goes to their stored positions.</summary>
    private void OwnPending()
    {
        List<TopicPartition> pending;
        lock (_gate)
        {
            if (_unowned.Count == 0 || DateTime.UtcNow < _nextOwnershipAttempt)
            {
                return;
            }

            pending = [.. _unowned];
            _nextOwnershipAttempt = DateTime.UtcNow.AddMilliseconds(500);
        }

        foreach (var (partition, next) in TryTakeOwnership(pending) ?? [])
        {
            try
            {
                _consumer.Seek(new TopicPartitionOffset(partition, new Offset(next)));
            }
            catch (KafkaException)
            {
                // Not fetching yet: try again (a new token, the same position) on the next round.
                lock (_gate)
                {
                    _owned.Remove((VigilTopic(partition.Topic), partition.Partition.Value));
                    _unowned.Add(partition);
                }
            }
        }
    }

    private void Revoked(List<TopicPartitionOffset> partitions)
    {
        lock (_gate)
        {
            foreach (var p in partitions)
            {
                var key = (VigilTopic(p.Topic), p.Partition.Value);
                _owned.Remove(key);
                _buffered.Remove(key);
                _unowned.Remove(p.TopicPartition);
            }
        }
    }

    private string VigilTopic(string kafkaTopic) =>
        kafkaTopic.StartsWith(_options.Prefix, StringComparison.Ordinal) ? kafkaTopic[_options.Prefix.Length..] : kafkaTopic;

    public async ValueTask<ConsumedBatch> ReceiveAsync(int maxMessages, CancellationToken cancellationToken) =>
        (await ReceiveAsync(maxMessages, 1, cancellationToken))[0];

    /// <summary>
    /// Blocks (on the member's receiving thread: librdkafka's consume call blocks) until a message arrives, then takes whatever
    /// else is already fetched, and hands back up to <paramref name="maxPartitions"/> partitions' batches; what does not
    /// fit waits in this member for the next call.
    /// </summary>
    public ValueTask<IReadOnlyList<ConsumedBatch>> ReceiveAsync(int maxMessages, int maxPartitions, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_receiver is null)
            {
                _receiver = new Thread(ReceiveLoop) { IsBackground = true, Name = $"vigil-consumer-{_group}" };
                _receiver.Start();
            }
        }

        var request = new ReceiveRequest(maxMessages, maxPartitions, cancellationToken);
        if (!_requests.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(KafkaConsumer));
        }

        return new(request.Done.Task);
    }

    private sealed record ReceiveRequest(int MaxMessages, int MaxPartitions, CancellationToken Cancellation)
    {
        public TaskCompletionSource<IReadOnlyList<ConsumedBatch>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// The member's one receiving thread: librdkafka's consume call blocks, and a thread made for each call would cost
    /// its creation and teardown on every round.
    /// </summary>
    private void ReceiveLoop()
    {
        while (_requests.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (_requests.Reader.TryRead(out var request))
            {
                try
                {
                    request.Done.TrySetResult(Receive(request.MaxMessages, request.MaxPartitions, request.Cancellation));
                }
                catch (OperationCanceledException e)
                {
                    request.Done.TrySetCanceled(e.CancellationToken);
                }
                catch (Exception e)
                {
                    request.Done.TrySetException(e);
                }
            }
        }
    }

    private IReadOnlyList<ConsumedBatch> Receive(int maxMessages, int maxPartitions, CancellationToken cancellationToken)
    {
        while (true)
        {
            lock (_gate)
            {
                if (_buffered.Values.Any(q => q.Count > 0))
                {
                    break;
                }
            }

            OwnPending();
            bool waiting;
            lock (_gate)
            {
                waiting = _unowned.Count > 0;
            }

            Buffer(Consume(waiting ? TimeSpan.FromMilliseconds(500) : null, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
        }

        // Drain what the client has already fetched, without waiting.
        while (Consume(TimeSpan.Zero, cancellationToken) is { } more)
        {
            Buffer(more);
        }

        lock (_gate)
        {
            var batches = new List<ConsumedBatch>();
            foreach (var ((topic, partition), queue) in _buffered.Where(b => b.Value.Count > 0).Take(maxPartitions))
            {
                var messages = new List<ConsumedMessage>(Math.Min(queue.Count, maxMessages));
                while (messages.Count < maxMessages && queue.TryDequeue(out var message))
                {
                    messages.Add(message);
                }

                batches.Add(new ConsumedBatch(topic, partition, messages));
            }

            return batches;
        }
    }

    /// <summary>
    /// One consume call. An error the client will get over by itself (a topic not created yet, a broker moving) is
    /// logged by librdkafka and passed over; a fatal one ends the member.
    /// </summary>
    private ConsumeResult<string, byte[]?>? Consume(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        try
        {
            return timeout is { } t ? _consumer.Consume(t) : _consumer.Consume(cancellationToken);
        }
        catch (ConsumeException e) when (!e.Error.IsFatal)
        {
            return null;
        }
    }

    private void Buffer(ConsumeResult<string, byte[]?>? record)
    {
        if (record is null || record.IsPartitionEOF || record.Message.Value is not { } envelope)
        {
            return;
        }

        var key = (VigilTopic(record.Topic), record.Partition.Value);
        lock (_gate)
        {
            if (!_owned.ContainsKey(key))
            {
                return;
            }

            if (!_buffered.TryGetValue(key, out var queue))
            {
                _buffered[key] = queue = new Queue<ConsumedMessage>();
            }

            queue.Enqueue(new ConsumedMessage(key.Item1, key.Item2, record.Offset.Value, record.Message.Key, envelope));
        }
    }

    public long CommittedOffset(string topic, int partition)
    {
        lock (_gate)
        {
            if (_committed.TryGetValue((topic, partition), out var next))
            {
                return next;
            }
        }

        using var connection = _db.OpenConnection();
        return connection.ExecuteScalar<long?>(
            "SELECT next_offset FROM consumer_offsets WHERE group_id = @group AND topic = @topic AND partition = @partition",
            new { group = _group, topic, partition }) ?? 0;
    }

    /// <summary>Moves the stored position in the effects' transaction, only while this member owns the partition.</summary>
    public void Commit(WriteContext ctx, string topic, int partition, long nextOffset)
    {
        string? token;
        lock (_gate)
        {
            _owned.TryGetValue((topic, partition), out token);
        }

        var moved = token is not null && ctx.Connection.Execute(
            """
            UPDATE consumer_offsets SET next_offset = GREATEST(next_offset, @nextOffset), updated_at = @now
            WHERE group_id = @group AND topic = @topic AND partition = @partition AND owner = @token
            """,
            new { nextOffset, now = EventTime.ToMicros(ctx.Now), group = _group, topic, partition, token }, ctx.Transaction) == 1;
        if (!moved)
        {
            throw new PartitionLostException(_group, topic, partition);
        }

        ctx.OnCommitted(() =>
        {
            lock (_gate)
            {
                _committed[(topic, partition)] = Math.Max(_committed.GetValueOrDefault((topic, partition)), nextOffset);
            }
        });
    }

    /// <summary>Goes back to the stored position of the batch's partition, dropping what was read past it.</summary>
    public void Rewind(ConsumedBatch batch)
    {
        long next;
        lock (_gate)
        {
            var key = (batch.Topic, batch.Partition);
            if (!_owned.ContainsKey(key))
            {
                return;
            }

            _buffered.Remove(key);
            next = _committed.GetValueOrDefault(key);
        }

        _consumer.Seek(new TopicPartitionOffset(_options.TopicName(batch.Topic), new Partition(batch.Partition), new Offset(next)));
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // The receiving thread ends once it has answered what was asked of it.
            _requests.Writer.TryComplete();
            _consumer.Close();
            _consumer.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// A record's envelope, copied once out of the client's buffer without the outbox frame's header; null for a value
    /// Vigil did not write (another producer's), which the member passes over.
    /// </summary>
    private sealed class EnvelopeDeserializer : IDeserializer<byte[]?>
    {
        public static readonly EnvelopeDeserializer Instance = new();

        public byte[]? Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
            !isNull && OutboxFrame.TryDecode(data, out _, out _, out var envelope) ? envelope.ToArray() : null;
    }
}

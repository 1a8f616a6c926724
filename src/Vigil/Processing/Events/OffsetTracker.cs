namespace Vigil.Processing.Events;

/// <summary>
/// The offsets the process role has received and finished, per partition. Messages of one partition finish out of
/// order (each patient has a lane of its own), so the group may commit only up to the lowest unfinished one, as
/// Confluent's parallel consumer does: after a crash everything from there is delivered again, and the effect jobs'
/// status check makes the ones already finished no-ops. Thread-safe: lanes, the receive loop and the writer thread's
/// after-commit actions all use it.
/// </summary>
internal sealed class OffsetTracker
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Topic, int Partition), Partition> _partitions = [];

    /// <summary>Starts tracking a partition from the offset its group committed.</summary>
    public void Start(string topic, int partition, long committed)
    {
        lock (_gate)
        {
            _partitions[(topic, partition)] = new Partition(committed);
        }
    }

    public void Received(string topic, int partition, long offset)
    {
        lock (_gate)
        {
            _partitions[(topic, partition)].Received(offset);
        }
    }

    /// <summary>
    /// Where the group may resume the partition once the message at <paramref name="offset"/> is finished too, the
    /// others counted as they are now: what a message's effect job commits with it.
    /// </summary>
    public long ResumeWith(string topic, int partition, long offset)
    {
        lock (_gate)
        {
            return _partitions[(topic, partition)].ResumeWith(offset);
        }
    }

    /// <summary>Marks the message finished (its effects are durable); true when the partition's resume offset is now past its committed one.</summary>
    public bool Finished(string topic, int partition, long offset)
    {
        lock (_gate)
        {
            var p = _partitions[(topic, partition)];
            p.Finished(offset);
            return p.Resume > p.Committed;
        }
    }

    /// <summary>Records that the group's offset of the partition is durably <paramref name="nextOffset"/>.</summary>
    public void Committed(string topic, int partition, long nextOffset)
    {
        lock (_gate)
        {
            var p = _partitions[(topic, partition)];
            p.Committed = Math.Max(p.Committed, nextOffset);
        }
    }

    public long CommittedOffset(string topic, int partition)
    {
        lock (_gate)
        {
            return _partitions[(topic, partition)].Committed;
        }
    }

    /// <summary>The partitions whose finished prefix reaches past their committed offset, with where to resume them.</summary>
    public List<(string Topic, int Partition, long NextOffset)> Behind()
    {
        lock (_gate)
        {
            return _partitions.Where(p => p.Value.Resume > p.Value.Committed)
                .Select(p => (p.Key.Topic, p.Key.Partition, p.Value.Resume)).ToList();
        }
    }

    private sealed class Partition(long committed)
    {
        private readonly Queue<long> _unfinished = new(); // received, in offset order, finished prefix removed
        private readonly HashSet<long> _finished = [];    // finished, but behind an unfinished one
        private long _received = committed;                // one past the highest offset received

        public long Committed { get; set; } = committed;

        /// <summary>The lowest unfinished offset, or one past the last received when all are finished.</summary>
        public long Resume => _unfinished.TryPeek(out var head) ? head : _received;

        public void Received(long offset)
        {
            // A partition is read forward only (this role never rewinds), so offsets arrive in increasing order.
            if (offset < _received)
            {
                throw new InvalidOperationException($"Offset {offset} arrived after {_received - 1}.");
            }

            _unfinished.Enqueue(offset);
            _received = offset + 1;
        }

        public long ResumeWith(long offset)
        {
            foreach (var pending in _unfinished)
            {
                if (pending != offset && !_finished.Contains(pending))
                {
                    return pending;
                }
            }

            return _received;
        }

        public void Finished(long offset)
        {
            _finished.Add(offset);
            while (_unfinished.TryPeek(out var head) && _finished.Remove(head))
            {
                _unfinished.Dequeue();
            }
        }
    }
}

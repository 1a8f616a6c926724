namespace Vigil.Processing;

/// <summary>
/// How far a consumer has committed in each partition, with a wake-up for waiters: lets a caller (a test, a health
/// check) await "the message at this offset has been handled" without polling.
/// </summary>
internal sealed class ProgressSignal
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Topic, int Partition), long> _next = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Records that everything before <paramref name="nextOffset"/> in the partition is committed.</summary>
    public void Committed(string topic, int partition, long nextOffset)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            if (_next.TryGetValue((topic, partition), out var known) && known >= nextOffset)
            {
                return;
            }

            _next[(topic, partition)] = nextOffset;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    public async Task WaitAsync(string topic, int partition, long offset, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                if (_next.TryGetValue((topic, partition), out var next) && next > offset)
                {
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken);
        }
    }
}

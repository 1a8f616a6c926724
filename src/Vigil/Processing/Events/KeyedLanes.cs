namespace Vigil.Processing.Events;

/// <summary>
/// Runs work items of one key strictly one after another, in the order they were given, and items of different keys
/// concurrently: each key with work has a lane (a task) of its own that ends when its queue is empty. A slow item
/// holds up its own key and no other.
/// </summary>
internal sealed class KeyedLanes<T>(Func<T, CancellationToken, Task> run, CancellationToken stopping)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Lane> _lanes = [];

    /// <summary>Queues <paramref name="item"/> behind the key's earlier items. <c>run</c> must not throw but when stopping.</summary>
    public void Enqueue(string key, T item)
    {
        lock (_gate)
        {
            if (_lanes.TryGetValue(key, out var lane))
            {
                lane.Items.Enqueue(item);
                return;
            }

            lane = new Lane();
            lane.Items.Enqueue(item);
            _lanes[key] = lane;
            // Started under the lock: the lane takes the lock before its first item, so Running is set by then.
            lane.Running = Task.Run(() => RunAsync(key, lane), CancellationToken.None);
        }
    }

    /// <summary>Completes when every lane has stopped; after <c>stopping</c> is cancelled, that is when their current items end.</summary>
    public Task StoppedAsync()
    {
        lock (_gate)
        {
            return Task.WhenAll(_lanes.Values.Select(l => l.Running));
        }
    }

    private async Task RunAsync(string key, Lane lane)
    {
        while (true)
        {
            T item;
            lock (_gate)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                if (!lane.Items.TryDequeue(out item!))
                {
                    _lanes.Remove(key);
                    return;
                }
            }

            try
            {
                await run(item, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private sealed class Lane
    {
        public Queue<T> Items { get; } = new();

        public Task Running { get; set; } = Task.CompletedTask;
    }
}

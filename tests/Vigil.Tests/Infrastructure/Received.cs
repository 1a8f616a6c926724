namespace Vigil.Tests.Infrastructure;

/// <summary>
/// What a test's own receiving server (a webhook endpoint, an OTLP collector) has taken in so far, in order, and a wait
/// for a condition on it that each arrival wakes, never a timer.
/// </summary>
public sealed class Received<T>
{
    private readonly List<T> _items = [];
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<T> Items
    {
        get
        {
            lock (_lock)
            {
                return [.. _items];
            }
        }
    }

    public void Add(IEnumerable<T> items)
    {
        lock (_lock)
        {
            _items.AddRange(items);
            _changed.TrySetResult();
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>
    /// Waits until what has come satisfies <paramref name="condition"/>, at most <paramref name="timeout"/> (or until
    /// <paramref name="cancellationToken"/> is cancelled); returns everything received and whether it did.
    /// </summary>
    public async Task<(IReadOnlyList<T> Items, bool Met)> WaitForAsync(Func<IReadOnlyList<T>, bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                changed = _changed.Task;
                if (condition(_items))
                {
                    return ([.. _items], true);
                }
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                return (Items, false);
            }
        }
    }
}

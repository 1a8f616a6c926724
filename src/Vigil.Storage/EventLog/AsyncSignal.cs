namespace Vigil.Storage.EventLog;

/// <summary>A wake-up for waiters: take <see cref="WaitTask"/> before checking for work, then await it if there was none.</summary>
internal sealed class AsyncSignal
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task WaitTask => Volatile.Read(ref _current).Task;

    public void Set()
    {
        var next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _current, next).TrySetResult();
    }
}

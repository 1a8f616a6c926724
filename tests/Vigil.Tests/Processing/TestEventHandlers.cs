using System.Collections.Concurrent;
using Vigil.Processing.Events;

namespace Vigil.Tests.Processing;

/// <summary>
/// What the test handlers saw, in one global order: each handler call's start and end get a sequence number, so tests
/// assert on the order of things rather than on wall time.
/// </summary>
internal sealed class HandlerLog
{
    private long _sequence;
    private readonly ConcurrentDictionary<(string CustomerId, string EventId), TaskCompletionSource> _started = new();

    public sealed record Edge(string CustomerId, string PatientId, string EventId, string Kind, long Sequence);

    public ConcurrentQueue<Edge> Edges { get; } = new();

    /// <summary>Events (customer, event id) whose wait for another event's start timed out: none when patients really run in parallel.</summary>
    public ConcurrentBag<(string CustomerId, string EventId)> TimedOut { get; } = [];

    public void Start(IncomingEvent e)
    {
        Edges.Enqueue(new Edge(e.CustomerId, e.PatientId, e.EventId, "start", Interlocked.Increment(ref _sequence)));
        Started(e.CustomerId, e.EventId).TrySetResult();
    }

    public void End(IncomingEvent e) => Edges.Enqueue(new Edge(e.CustomerId, e.PatientId, e.EventId, "end", Interlocked.Increment(ref _sequence)));

    public TaskCompletionSource Started(string customerId, string eventId) =>
        _started.GetOrAdd((customerId, eventId), static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public IReadOnlyList<Edge> Of(string customerId) => Edges.Where(e => e.CustomerId == customerId).OrderBy(e => e.Sequence).ToList();
}

/// <summary>
/// <c>test_slow</c>: a handler that, when its data names <c>waitFor</c>, does not finish until that event's handler has
/// started (or 10 seconds pass, which the test reports as a failure). Run one at a time, two events that wait for each
/// other cannot both see the other start.
/// </summary>
internal sealed class SlowHandler(HandlerLog log) : IEventHandler
{
    public IReadOnlyList<string> Types => ["test_slow"];

    public async ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken)
    {
        log.Start(e);
        if (e.Text("waitFor") is { } other)
        {
            try
            {
                await log.Started(e.CustomerId, other).Task.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            }
            catch (TimeoutException)
            {
                log.TimedOut.Add((e.CustomerId, e.EventId));
            }
        }

        await Task.Yield();
        log.End(e);
        return EventOutcome.Processed(new { slow = true });
    }
}

/// <summary><c>test_flaky</c>: throws for every event id in <see cref="Failing"/>, succeeds for the others; counts calls.</summary>
internal sealed class FlakyHandler : IEventHandler
{
    public ConcurrentDictionary<string, bool> Failing { get; } = new();

    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public IReadOnlyList<string> Types => ["test_flaky"];

    public ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken)
    {
        Calls.AddOrUpdate(e.EventId, 1, static (_, n) => n + 1);
        return Failing.ContainsKey(e.EventId)
            ? throw new InvalidOperationException($"the monitor bridge refused {e.EventId}")
            : ValueTask.FromResult(EventOutcome.Processed(new { flaky = "recovered" }));
    }
}

/// <summary>
/// <c>test_hold</c>: when <paramref name="hold"/> is set, a handler that never finishes on its own (only the server's
/// stop cancels it), holding its patient's later events back; otherwise it returns at once.
/// </summary>
internal sealed class HoldHandler(bool hold) : IEventHandler
{
    public ConcurrentDictionary<string, TaskCompletionSource> Held { get; } = new();

    public IReadOnlyList<string> Types => ["test_hold"];

    public TaskCompletionSource HeldFor(string patientId) =>
        Held.GetOrAdd(patientId, static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken)
    {
        HeldFor(e.PatientId).TrySetResult();
        if (hold)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        return EventOutcome.Processed(new { held = hold });
    }
}

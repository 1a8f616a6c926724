using Vigil.Domain.Simulation;

namespace Vigil.Simulation;

/// <summary>
/// Emits a ward's readings: each patient observes a round every <see cref="SimulationSettings.RoundInterval"/> of
/// simulated time, staggered across the ward; due rounds are posted in batches in event-time order. Simulated time
/// follows the clock at <see cref="SimulationSettings.Speed"/> (a timer paces emission: that is the product's
/// behaviour, not a test's wait) or, at speed 0, jumps from round to round as fast as the target answers.
/// Start and stop may be called repeatedly (the control API); a restarted real-time run resumes at the clock's now.
/// </summary>
public sealed class SimulationRun(SimulationSettings settings, ReadingSender sender, TimeProvider time)
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(200);

    private readonly object _gate = new();
    private readonly DateTimeOffset _start = settings.Start(time.GetUtcNow());
    private IReadOnlyList<SimulatedPatient>? _patients;
    private Dictionary<string, DateTimeOffset> _next = [];
    private readonly PriorityQueue<SimulatedPatient, DateTimeOffset> _due = new();
    private DateTimeOffset? _simulated;
    private long _sent;
    private long _accepted;
    private long _duplicates;
    private long _rejected;
    private long _retries;
    private string? _lastError;
    private CancellationTokenSource? _running;
    private Task _loop = Task.CompletedTask;

    public SimulationSettings Settings => settings;

    /// <summary>The ward, created on first use from the settings' seed and scenario.</summary>
    public IReadOnlyList<SimulatedPatient> Patients =>
        _patients ??= SimulatedWard.Create(settings.PatientPrefix, settings.Patients, settings.Scenario, settings.Seed, _start, settings.Timing);

    /// <summary>The simulated time the run ends at, or null for a run until stopped.</summary>
    public DateTimeOffset? End => settings.Duration is { } d ? _start + d : null;

    /// <summary>Raised after each batch is answered, with the status then (for progress displays).</summary>
    public event Action<SimulationStatus>? Progressed;

    public bool Running
    {
        get
        {
            lock (_gate)
            {
                return _running is not null && !_loop.IsCompleted;
            }
        }
    }

    public SimulationStatus Status()
    {
        lock (_gate)
        {
            var at = _simulated ?? _start;
            return new SimulationStatus(
                _running is not null && !_loop.IsCompleted, settings.CustomerId, settings.DepartmentId, _simulated, _sent, _accepted, _duplicates, _rejected, _retries,
                _lastError, [.. Patients.Select(p => new SimulatedPatientStatus(p.Id, p.Course, Math.Round(p.Severity(at), 3), p.Disconnected(at)))]);
        }
    }

    /// <summary>Runs until the end of the simulated span or until <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Start(cancellationToken);
        await _loop;
    }

    /// <summary>Starts emitting in the background unless already running; false when it was.</summary>
    public bool Start(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_running is not null && !_loop.IsCompleted)
            {
                return false;
            }

            _running = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var token = _running.Token;
            _loop = Task.Run(() => LoopAsync(token), CancellationToken.None);
            return true;
        }
    }

    /// <summary>Stops emitting and waits for the batch in flight to be answered or abandoned.</summary>
    public async Task StopAsync()
    {
        Task loop;
        lock (_gate)
        {
            _running?.Cancel();
            loop = _loop;
        }

        await loop;
    }

    /// <summary>Puts patient <paramref name="patientId"/> on <paramref name="course"/> from now; false if there is no such patient.</summary>
    public bool ChangeCourse(string patientId, string course)
    {
        lock (_gate)
        {
            var patient = Patients.FirstOrDefault(p => p.Id == patientId);
            if (patient is null)
            {
                return false;
            }

            // Every patient keeps its place in the schedule (a disconnected monitor's rounds come up empty), so a
            // reconnected monitor is observed again from its next round.
            patient.ChangeCourse(course, _simulated ?? _start);
            return true;
        }
    }

    private DateTimeOffset Now(DateTimeOffset clockStart, DateTimeOffset simulatedStart) => settings.Speed == 0
        ? DateTimeOffset.MaxValue
        : simulatedStart + ((time.GetUtcNow() - clockStart) * settings.Speed);

    private async Task LoopAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset clockStart, simulatedStart;
        lock (_gate)
        {
            clockStart = time.GetUtcNow();
            // Real time stays real time across a stop: event time is now. Other speeds resume where they stopped.
            simulatedStart = settings.Speed == 1 ? clockStart : _simulated ?? _start;
            var interval = settings.RoundInterval;
            var patients = Patients;
            var next = new Dictionary<string, DateTimeOffset>();
            for (var i = 0; i < patients.Count; i++)
            {
                var stagger = interval * i / patients.Count;
                var due = _next.TryGetValue(patients[i].Id, out var n) ? n : simulatedStart + stagger;
                next[patients[i].Id] = due < simulatedStart ? simulatedStart + stagger : due;
            }

            _next = next;
            _due.Clear();
            _due.EnqueueRange(patients.Select(p => (p, next[p.Id])));
        }

        using var timer = new PeriodicTimer(Tick, time);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var now = Now(clockStart, simulatedStart);
                var (batch, finished) = NextBatch(now);
                if (batch.Count > 0)
                {
                    var outcome = await sender.SendAsync(batch, cancellationToken);
                    Record(batch.Count, outcome);
                    continue;
                }

                if (finished)
                {
                    return;
                }

                await timer.WaitForNextTickAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The rounds due by <paramref name="now"/>, earliest first, up to a batch; finished once every patient is past the end.</summary>
    private (List<OutgoingReading> Batch, bool Finished) NextBatch(DateTimeOffset now)
    {
        lock (_gate)
        {
            var end = End ?? DateTimeOffset.MaxValue;
            var limit = now < end ? now : end;
            var batch = new List<OutgoingReading>();
            var interval = settings.RoundInterval;
            while ((batch.Count + 8 <= settings.BatchSize || batch.Count == 0) && _due.TryPeek(out var patient, out var due) && due <= limit)
            {
                _due.Dequeue();
                var device = settings.Devices ? SimulationSetup.MonitorOf(patient.Id) : null;
                batch.AddRange(patient.Observe(due).Select(r => new OutgoingReading(patient.Id, device, r)));
                _next[patient.Id] = due + interval;
                _due.Enqueue(patient, due + interval);
                _simulated = due;
            }

            return (batch, !_due.TryPeek(out _, out var first) || first > end);
        }
    }

    private void Record(int count, ReadingSender.Outcome outcome)
    {
        SimulationStatus status;
        lock (_gate)
        {
            _sent += count;
            _accepted += outcome.Accepted;
            _duplicates += outcome.Duplicates;
            _rejected += outcome.Rejected;
            _retries += outcome.Retries;
            _lastError = outcome.Error ?? _lastError;
        }

        status = Status();
        Progressed?.Invoke(status);
    }
}

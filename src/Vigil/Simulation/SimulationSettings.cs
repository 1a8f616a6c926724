using Vigil.Domain.Simulation;

namespace Vigil.Simulation;

/// <summary>
/// What one simulation run does. <see cref="Rate"/> is readings per second of simulated time for the whole ward;
/// each patient sends a round of eight readings every <see cref="RoundInterval"/> (patients x 8 / rate).
/// <see cref="Speed"/> is simulated seconds per clock second: 1 is real time (event time = now); above 1 the run
/// starts in the past so that it ends about now (Vigil refuses readings more than 5 minutes ahead); 0 runs
/// unpaced, as fast as Vigil takes the readings, from now - duration to now.
/// </summary>
public sealed record SimulationSettings
{
    public string CustomerId { get; init; } = "sim";

    public string CustomerName { get; init; } = "Simulated hospital";

    public string DepartmentId { get; init; } = "sim-ward";

    public string DepartmentName { get; init; } = "Simulated ward";

    /// <summary>Patient ids are this prefix and a three-digit number from 001.</summary>
    public string PatientPrefix { get; init; } = "sim-p";

    public int Patients { get; init; } = 20;

    public double Rate { get; init; } = 20;

    /// <summary>Simulated time the run covers; null runs until stopped (real time only).</summary>
    public TimeSpan? Duration { get; init; } = TimeSpan.FromMinutes(10);

    public string Scenario { get; init; } = Domain.Simulation.Scenario.Mixed;

    public int Seed { get; init; } = 1;

    public double Speed { get; init; } = 1;

    /// <summary>Readings per POST (at most Vigil's 10,000).</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>When deteriorating courses show: <see cref="CourseTiming.Ward"/> by default.</summary>
    public CourseTiming Timing { get; init; } = CourseTiming.Ward;

    /// <summary>Whether each patient gets a monitor (a device assigned to them), so a disconnect raises a data-gap alert.</summary>
    public bool Devices { get; init; } = true;

    public TimeSpan RoundInterval => TimeSpan.FromSeconds(Patients * 8 / Rate);

    /// <summary>The problems with these settings, as (option, reason); empty when they can run.</summary>
    public IReadOnlyList<(string Field, string Reason)> Problems()
    {
        var problems = new List<(string, string)>();
        if (Patients is < 1 or > 100_000)
        {
            problems.Add(("patients", "must be 1 to 100,000"));
        }

        if (!(Rate > 0) || Rate > 1_000_000)
        {
            problems.Add(("rate", "must be above 0 and at most 1,000,000 readings per second"));
        }

        if (Duration is { } d && d <= TimeSpan.Zero)
        {
            problems.Add(("duration", "must be positive"));
        }

        if (Duration is null && Speed != 1)
        {
            problems.Add(("duration", "is required unless the run is real time (speed 1)"));
        }

        if (!Domain.Simulation.Scenario.All.Contains(Scenario))
        {
            problems.Add(("scenario", $"must be one of {string.Join(", ", Domain.Simulation.Scenario.All)}"));
        }

        if (!(Speed >= 0) || Speed > 1_000_000)
        {
            problems.Add(("speed", "must be 0 (unpaced) or a positive factor"));
        }

        if (BatchSize is < 1 or > 10_000)
        {
            problems.Add(("batch-size", "must be 1 to 10,000"));
        }

        return problems;
    }

    /// <summary>The simulated time the run starts at, given the clock's <paramref name="now"/>.</summary>
    public DateTimeOffset Start(DateTimeOffset now) => Speed switch
    {
        1 => now,
        0 => now - Duration!.Value,
        _ => now - (Duration!.Value * (1 - (1 / Speed))),
    };
}

namespace Vigil.Simulation;

/// <summary>A run's state and counts, as the control API and the command line show them.</summary>
public sealed record SimulationStatus(
    bool Running,
    string CustomerId,
    string DepartmentId,
    DateTimeOffset? SimulatedTime,
    long Sent,
    long Accepted,
    long Duplicates,
    long Rejected,
    long Retries,
    string? LastError,
    IReadOnlyList<SimulatedPatientStatus> Patients);

/// <summary>One synthetic patient's course and how far it has gone (0 to 1).</summary>
public sealed record SimulatedPatientStatus(string Id, string Scenario, double Severity, bool Disconnected);

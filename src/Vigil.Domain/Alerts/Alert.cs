namespace Vigil.Domain.Alerts;

/// <summary>
/// An alert about one patient under one rule. <see cref="FirstAt"/> and <see cref="LastAt"/> are event times of the
/// breaches (the first that raised it, the latest); the other times are when Vigil changed it. <see cref="Details"/> is
/// compact JSON of what the rule saw (the reading and limits, the NEWS2 score, the silent device, the event).
/// </summary>
public sealed record Alert(
    string Id, string CustomerId, string PatientId, string? DepartmentId, string Rule, string Kind, string Severity, string Status,
    string Message, double? Value, string Details, DateTimeOffset FirstAt, DateTimeOffset LastAt, int Breaches,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? AcknowledgedAt, string? AcknowledgedBy,
    DateTimeOffset? ResolvedAt, string? ResolvedBy)
{
    public const string Active = "active";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";

    public static IReadOnlyList<string> Statuses { get; } = [Active, Acknowledged, Resolved];

    public bool IsOpen => Status != Resolved;
}

/// <summary>One step in an alert's life (created, escalated, acknowledged, resolved), who took it and when.</summary>
public sealed record AlertTransition(string Transition, string Severity, DateTimeOffset At, string By, string? Note)
{
    public const string Created = "created";
    public const string Escalated = "escalated";
    public const string Acknowledged = "acknowledged";
    public const string Resolved = "resolved";

    /// <summary>Who acts when Vigil itself raises, escalates or auto-resolves an alert.</summary>
    public const string System = "system";
}

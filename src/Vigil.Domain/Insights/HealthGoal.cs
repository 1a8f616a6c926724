namespace Vigil.Domain.Insights;

/// <summary>A patient's health goal: reach <see cref="Target"/> (in the kind's unit) in <see cref="Direction"/> over each <see cref="Period"/>.</summary>
public sealed record HealthGoal(
    string Id, string CustomerId, string PatientId, string Kind, double Target, string Direction, string Period, string? Note,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

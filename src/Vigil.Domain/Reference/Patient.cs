namespace Vigil.Domain.Reference;

/// <summary>
/// A patient of a customer. <see cref="Spo2Scale"/> is the NEWS2 SpO2 scale (2 for confirmed hypercapnic respiratory
/// failure, prescribed by a clinician); <see cref="Status"/> is "active" or "discharged".
/// </summary>
public sealed record Patient(
    string Id,
    string CustomerId,
    string? DepartmentId,
    string? Mrn,
    string Name,
    string? BirthDate,
    int Spo2Scale,
    string Status,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static readonly IReadOnlyList<string> Statuses = ["active", "discharged"];
}

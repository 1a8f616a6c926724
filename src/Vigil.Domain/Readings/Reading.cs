namespace Vigil.Domain.Readings;

/// <summary>
/// A validated, normalised vital-sign reading: canonical unit, UTC event time truncated to microseconds.
/// <see cref="Value"/> holds the quantity (or 1/0 for a flag); <see cref="Text"/> holds an ACVPU level.
/// </summary>
public sealed record Reading(
    string Id,
    string PatientId,
    string? DeviceId,
    VitalType Type,
    double? Value,
    string? Text,
    DateTimeOffset ObservedAt)
{
    public string? Unit => Type.Unit;

    /// <summary>True when <paramref name="other"/> carries the same observation (ids aside): an idempotent resend.</summary>
    public bool SameContentAs(Reading other) =>
        PatientId == other.PatientId
        && DeviceId == other.DeviceId
        && Type == other.Type
        && Nullable.Equals(Value, other.Value)
        && Text == other.Text
        && ObservedAt == other.ObservedAt;
}

namespace Vigil.Domain.Windows;

/// <summary>
/// How far one patient's event time has got: the latest event time seen for the patient (any vital type) minus the
/// allowed lateness. Per patient, not global, because patients' devices buffer and reconnect independently.
/// </summary>
public sealed record PatientWatermark(DateTimeOffset? LatestEventTime, TimeSpan AllowedLateness)
{
    /// <summary>Null until the patient's first reading: nothing is final before then.</summary>
    public DateTimeOffset? Value => LatestEventTime - AllowedLateness;

    /// <summary>The watermark after a reading at <paramref name="eventTime"/>: it never moves back.</summary>
    public PatientWatermark Observe(DateTimeOffset eventTime) =>
        LatestEventTime is { } latest && latest >= eventTime ? this : this with { LatestEventTime = eventTime };

    /// <summary>A window is final once the watermark reaches its end: no reading it still waits for can belong to it.</summary>
    public bool HasPassed(DateTimeOffset windowEnd) => Value is { } value && value >= windowEnd;
}

namespace Vigil.Domain.Events;

/// <summary>A clinical event (admission, fall detected, medication given...) as accepted; <see cref="Data"/> is compact JSON.</summary>
public sealed record ClinicalEvent(string EventId, string PatientId, string Type, string Data, DateTimeOffset Ts)
{
    public bool SameContentAs(ClinicalEvent other) =>
        PatientId == other.PatientId && Type == other.Type && Data == other.Data && Ts == other.Ts;
}

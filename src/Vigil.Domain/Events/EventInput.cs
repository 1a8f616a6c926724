namespace Vigil.Domain.Events;

/// <summary>The JSON shape of a clinical event on the wire. <see cref="Data"/> is the raw JSON of the data object.</summary>
public sealed class EventInput
{
    public string? EventId { get; set; }

    public string? PatientId { get; set; }

    public string? Type { get; set; }

    /// <summary>Compact JSON of "data" when it was an object; <see cref="DataWasNotObject"/> when it was anything else.</summary>
    public string? Data { get; set; }

    public bool DataWasNotObject { get; set; }

    public string? Ts { get; set; }
}

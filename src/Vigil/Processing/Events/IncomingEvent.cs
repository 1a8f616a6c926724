using System.Text.Json;
using Vigil.Domain;

namespace Vigil.Processing.Events;

/// <summary>A clinical event as its handler sees it: whose, which, its data, and whether it is a replayed dead letter.</summary>
public sealed record IncomingEvent(
    string CustomerId, string EventId, string PatientId, string Type, JsonElement Data, DateTimeOffset Ts, DateTimeOffset ReceivedAt, bool Replayed,
    string? TraceParent = null)
{
    /// <summary>A string field of <see cref="Data"/>, or null when it is absent or null; a value of another kind fails the event.</summary>
    public string? Text(string field) =>
        !Data.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString()
        : throw RejectedException.Invalid($"data.{field}", "must be a string");
}

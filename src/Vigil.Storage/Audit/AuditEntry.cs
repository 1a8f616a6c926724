namespace Vigil.Storage.Audit;

/// <summary>
/// One audited request: who (<see cref="Actor"/> and its role), when, through which interface (http, grpc, hl7), what
/// (action, method, route template, resource, the patient it concerns), how it ended (<see cref="Outcome"/>: the HTTP
/// status, the gRPC status name, or the HL7 acknowledgement code), from where, and for which customer.
/// </summary>
public sealed record AuditEntry(
    DateTimeOffset At,
    string? CustomerId,
    string Actor,
    string ActorRole,
    string Interface,
    string Action,
    string Method,
    string Route,
    string? ResourceType,
    string? ResourceId,
    string? PatientId,
    string Outcome,
    string? RemoteAddress)
{
    /// <summary>The row's position in the trail (0 before it is stored).</summary>
    public long Seq { get; init; }
}

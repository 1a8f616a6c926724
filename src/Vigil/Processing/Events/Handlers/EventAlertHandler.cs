using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Storage.Alerts;
using Vigil.Storage.Reference;

namespace Vigil.Processing.Events.Handlers;

/// <summary>
/// Events that call for someone to come: <c>fall_detected</c> raises an urgent alert, <c>nurse_call</c> a medium one
/// (rule <c>event:&lt;type&gt;</c>; data <c>location</c>, optional, goes into the message). Another such event while the
/// alert is open updates it rather than raising a second one; nothing clears these conditions by itself, so a person
/// resolves them. The event's data goes into the alert's details, and the alert into the event's result.
/// </summary>
internal sealed class EventAlertHandler(AlertStore alerts) : IEventHandler
{
    private static readonly Dictionary<string, (string Severity, string Message)> Kinds = new()
    {
        ["fall_detected"] = (AlertSeverity.Urgent, "fall detected"),
        ["nurse_call"] = (AlertSeverity.Medium, "nurse call"),
    };

    public IReadOnlyList<string> Types => [.. Kinds.Keys];

    public ValueTask<EventOutcome> HandleAsync(IncomingEvent e, CancellationToken cancellationToken)
    {
        var (severity, message) = Kinds[e.Type];
        if (e.Text("location") is { } location)
        {
            message += $" ({location})";
        }

        var details = JsonSerializer.Serialize(new { eventId = e.EventId, data = e.Data });
        return ValueTask.FromResult(EventOutcome.Processed(ctx =>
        {
            var patient = ReferenceStore.FindPatient(ctx, e.CustomerId, e.PatientId) ?? throw RejectedException.NotFound($"Patient '{e.PatientId}'");
            var alert = alerts.Observe(ctx, new AlertStore.Signal(
                e.CustomerId, e.PatientId, patient.DepartmentId, AlertRules.Event(e.Type), AlertRules.EventKind, true, severity, e.Ts, null,
                message, details, TimeSpan.Zero, TimeSpan.MaxValue));
            return new AlertResult(alert?.Id, alert?.Status ?? "not raised: the open alert already has a later event");
        }));
    }

    private sealed record AlertResult(string? AlertId, string AlertStatus);
}

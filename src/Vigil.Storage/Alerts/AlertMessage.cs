using System.Text.Json;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Log;

namespace Vigil.Storage.Alerts;

/// <summary>
/// An alert transition on the <c>alerts</c> topic ("alert.created", "alert.escalated", "alert.acknowledged",
/// "alert.resolved"), keyed by patient so one patient's transitions reach notifiers in order. The body is the alert
/// as it stands after the transition, with the transition itself.
/// </summary>
public static class AlertMessage
{
    public static LogMessage For(Alert alert, AlertTransition transition, string? traceParent = null)
    {
        var key = Keys.Patient(alert.CustomerId, alert.PatientId);
        return new LogMessage(Topics.Alerts, key, Envelope.Encode(Identifiers.New(), "alert." + transition.Transition, key, transition.At, traceParent,
            (alert, transition), static (w, s) =>
            {
                w.WriteStartObject();
                w.WriteStartObject("transition");
                w.WriteString("name", s.transition.Transition);
                w.WriteString("at", s.transition.At.UtcDateTime);
                w.WriteString("by", s.transition.By);
                if (s.transition.Note is not null)
                {
                    w.WriteString("note", s.transition.Note);
                }

                w.WriteEndObject();
                w.WritePropertyName("alert");
                Write(w, s.alert);
                w.WriteEndObject();
            }));
    }

    /// <summary>The alert as JSON, the shape the API serves.</summary>
    public static void Write(Utf8JsonWriter w, Alert a)
    {
        w.WriteStartObject();
        w.WriteString("id", a.Id);
        w.WriteString("customerId", a.CustomerId);
        w.WriteString("patientId", a.PatientId);
        if (a.DepartmentId is not null)
        {
            w.WriteString("departmentId", a.DepartmentId);
        }

        w.WriteString("rule", a.Rule);
        w.WriteString("kind", a.Kind);
        w.WriteString("severity", a.Severity);
        w.WriteString("status", a.Status);
        w.WriteString("message", a.Message);
        if (a.Value is { } value)
        {
            w.WriteNumber("value", value);
        }

        w.WritePropertyName("details");
        w.WriteRawValue(a.Details);
        w.WriteString("firstAt", a.FirstAt.UtcDateTime);
        w.WriteString("lastAt", a.LastAt.UtcDateTime);
        w.WriteNumber("breaches", a.Breaches);
        w.WriteString("createdAt", a.CreatedAt.UtcDateTime);
        w.WriteString("updatedAt", a.UpdatedAt.UtcDateTime);
        if (a.AcknowledgedAt is { } ackAt)
        {
            w.WriteString("acknowledgedAt", ackAt.UtcDateTime);
            w.WriteString("acknowledgedBy", a.AcknowledgedBy);
        }

        if (a.ResolvedAt is { } resolvedAt)
        {
            w.WriteString("resolvedAt", resolvedAt.UtcDateTime);
            w.WriteString("resolvedBy", a.ResolvedBy);
        }

        w.WriteEndObject();
    }
}

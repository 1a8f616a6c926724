using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Vigil.Notifications;

/// <summary>An alert transition from the <c>alerts</c> topic, read for routing to subscriptions.</summary>
public sealed record TransitionMessage(
    string MessageId, string Type, string Key, string CustomerId, string PatientId, string AlertId, string Severity, JsonElement Transition,
    JsonElement Alert, string? TraceParent = null)
{
    public static TransitionMessage Decode(ReadOnlySpan<byte> payload)
    {
        var header = Domain.Log.Envelope.ReadHeader(payload);
        using var doc = JsonDocument.Parse(payload[header.Body].ToArray());
        var body = doc.RootElement;
        var alert = body.GetProperty("alert");
        return new TransitionMessage(header.MessageId, header.Type, header.Key, alert.GetProperty("customerId").GetString()!,
            alert.GetProperty("patientId").GetString()!, alert.GetProperty("id").GetString()!, alert.GetProperty("severity").GetString()!,
            body.GetProperty("transition").Clone(), alert.Clone(), header.TraceParent);
    }
}

/// <summary>
/// The JSON a webhook receives: the delivery id (the same on every retry and redelivery, for the receiver to drop
/// repeats), the event (<c>alert.created</c>...), the transition and the alert as it stands after it.
/// </summary>
public static class WebhookBody
{
    public static string For(string deliveryId, string subscriptionId, TransitionMessage t)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("deliveryId", deliveryId);
            w.WriteString("event", t.Type);
            w.WriteString("messageId", t.MessageId);
            w.WriteString("subscriptionId", subscriptionId);
            w.WriteString("customerId", t.CustomerId);
            w.WriteString("patientId", t.PatientId);
            w.WritePropertyName("transition");
            t.Transition.WriteTo(w);
            w.WritePropertyName("alert");
            t.Alert.WriteTo(w);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}

using System.Diagnostics;
using System.Net;
using Vigil.Audit;
using Vigil.Domain;
using Vigil.Storage.Audit;
using Vigil.Storage.Readings;
using Vigil.Storage.Writes;

namespace Vigil.Hl7;

/// <summary>
/// Takes one HL7 message and answers its ACK. An ORU^R01 from an allowed sender is read into readings, validated and
/// written exactly as <c>POST /api/v1/readings</c> writes them (<see cref="ReadingStore"/>, one group-committed
/// transaction), and answered AA only once that is durable. The reading ids come from the sender and MSH-10, so a
/// resent message is answered AA again and stores nothing twice. AE: its content is wrong (nothing stored); AR: it is
/// not a message Vigil takes (type, version, sender) or cannot be stored now. Every message of a known sender is in the
/// audit trail before its ACK goes (an accepted one in the transaction that stores its readings).
/// </summary>
public sealed class Hl7Intake(
    Hl7SenderStore senders, ReadingStore store, GroupCommitter writer, AuditTrail audit, TimeProvider clock, ILogger<Hl7Intake> logger)
{
    public async Task<string> HandleAsync(string text, IPAddress remote, CancellationToken cancellationToken)
    {
        // MLLP has no trace context of its own: each message starts a trace, which its readings carry through the log.
        using var span = Domain.Diagnostics.VigilTelemetry.Source.StartActivity("hl7 message", ActivityKind.Server);
        var now = clock.GetUtcNow();
        var message = Hl7Message.Parse(text);
        if (message is null)
        {
            return Reject(null, "MSH", 0, Hl7ErrorCode.SegmentSequenceError, "not an HL7 v2 message: it does not begin with an MSH segment", now);
        }

        try
        {
            return await HandleAsync(message, remote, now, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A database that does not answer, say: the sender gets an answer (send again later) rather than a dropped connection.
            logger.LogError(e, "HL7 message {ControlId} failed", message.Header.Value(10));
            return Reject(message, "MSH", 10, Hl7ErrorCode.ApplicationInternalError, "the message could not be processed now; send it again later", now);
        }
    }

    private async Task<string> HandleAsync(Hl7Message message, IPAddress remote, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var msh = message.Header;
        var (type, trigger, version, controlId) = (msh.Value(9, 1), msh.Value(9, 2), msh.Value(12), msh.Value(10));
        if (type != "ORU")
        {
            return Reject(message, "MSH", 9, Hl7ErrorCode.UnsupportedMessageType, $"message type '{type}' is not taken here: only ORU^R01", now);
        }

        if (trigger != "R01")
        {
            return Reject(message, "MSH", 9, Hl7ErrorCode.UnsupportedEventCode, $"event '{trigger}' is not taken here: only ORU^R01", now);
        }

        if (!Hl7Versions.IsSupported(version))
        {
            return Reject(message, "MSH", 12, Hl7ErrorCode.UnsupportedVersionId,
                $"version '{version}' is not supported: {string.Join(", ", Hl7Versions.Supported)}", now);
        }

        if (controlId.Length == 0)
        {
            return Reject(message, "MSH", 10, Hl7ErrorCode.RequiredFieldMissing, "MSH-10 (message control id) is required", now);
        }

        if (message.Unreadable is { } line)
        {
            return Hl7Ack.Build(message, Hl7Ack.Error, $"line {line} is not an HL7 segment",
                [new Hl7Error("MSH", 1, 0, Hl7ErrorCode.SegmentSequenceError, $"line {line} is not an HL7 segment (three characters, then the field separator)")], now);
        }

        var (application, facility) = (HierarchicDesignator(msh, 3), HierarchicDesignator(msh, 4));
        var customer = application.Length == 0 ? null : await senders.CustomerOfAsync(application, facility, remote, cancellationToken);
        if (customer is null)
        {
            logger.LogWarning("HL7 message {ControlId} refused: sender '{Application}'/'{Facility}' at {Address} is not on any customer's allow-list",
                controlId, application, facility, remote);
            return Reject(message, "MSH", 3, Hl7ErrorCode.ApplicationInternalError,
                $"sender '{application}'/'{facility}' at {remote} is not allowed (PUT /api/v1/hl7/senders)", now);
        }

        var patients = new Dictionary<int, string?>();
        var pids = message.Segments.Where(s => s.Id == "PID").ToList();
        for (var i = 0; i < pids.Count; i++)
        {
            patients[i + 1] = await senders.PatientAsync(customer, OruReadings.PatientIdentifiers(pids[i]), cancellationToken);
        }

        // The patient the message concerns, for the audit trail: its one PID's, when it names one Vigil knows.
        var patientId = patients.Values.Distinct().ToList() is [{ } only] ? only : null;
        async Task<string> Audited(string ack)
        {
            await audit.RecordAsync(Hl7Audit.Entry(customer, application, facility, remote, now, patientId, Hl7Audit.AckCode(ack)));
            return ack;
        }

        var result = OruReadings.Read(message, patients, $"{application}:{facility}:{controlId}", now);
        if (result.Errors.Count > 0)
        {
            Observability.IngestMetrics.Rejected(Observability.IngestMetrics.Hl7, result.Readings.Count);
            return await Audited(Hl7Ack.Build(message, Hl7Ack.Error, result.Errors[0].Text, result.Errors, now));
        }

        if (result.Readings.Count == 0)
        {
            return await Audited(Hl7Ack.Build(message, Hl7Ack.Accept, $"no observation Vigil takes as a reading; {result.Skipped} skipped", [], now));
        }

        try
        {
            var batch = ReadingStore.Prepare(customer, result.Readings, now, Activity.Current?.Id);
            var stored = await writer.WriteAsync(ctx =>
            {
                var ingested = store.Ingest(ctx, batch);
                AuditStore.Record(ctx, [Hl7Audit.Entry(customer, application, facility, remote, now, patientId, Hl7Ack.Accept)]);
                return ingested;
            }, cancellationToken);
            Observability.IngestMetrics.Stored(Observability.IngestMetrics.Hl7, stored);
            return Hl7Ack.Build(message, Hl7Ack.Accept,
                $"{stored.Accepted} stored, {stored.Duplicates} already stored, {result.Skipped} skipped", [], now);
        }
        catch (RejectedException e)
        {
            Observability.IngestMetrics.Rejected(Observability.IngestMetrics.Hl7, result.Readings.Count);
            var code = e.Kind == RejectionKind.Conflict ? Hl7ErrorCode.DuplicateKeyIdentifier : Hl7ErrorCode.UnknownKeyIdentifier;
            var errors = e.Errors.Count == 0
                ? [new Hl7Error("MSH", 1, 10, code, e.Message)]
                : e.Errors.Select(f =>
                {
                    var (segment, sequence, field) = OruReadings.Locate(f.Field, result.Sources[f.Index ?? 0]);
                    var reason = e.Kind == RejectionKind.Conflict ? $"MSH-10 '{controlId}' was stored before with other content" : f.Reason;
                    return new Hl7Error(segment, sequence, field, code, reason);
                }).ToList();
            return await Audited(Hl7Ack.Build(message, Hl7Ack.Error, errors[0].Text, errors, now));
        }
        catch (StorageUnavailableException e)
        {
            logger.LogWarning(e, "HL7 message {ControlId} not stored: storage unavailable", controlId);
            return await Audited(Reject(message, "MSH", 10, Hl7ErrorCode.ApplicationInternalError, "the readings could not be stored now; send the message again later", now));
        }
    }

    /// <summary>MSH-3/MSH-4 are HDs: the namespace id, or else the universal id.</summary>
    private static string HierarchicDesignator(Hl7Segment msh, int field) =>
        msh.Value(field, 1) is { Length: > 0 } ns ? ns : msh.Value(field, 2);

    private static string Reject(Hl7Message? message, string segment, int field, Hl7ErrorCode code, string text, DateTimeOffset now) =>
        Hl7Ack.Build(message, Hl7Ack.Reject, text, [new Hl7Error(segment, 1, field, code, text)], now);
}

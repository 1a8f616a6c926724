using System.Buffers;
using System.Text.Json;
using Dapper;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;
using Vigil.Storage.Reference;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Enrichment;

/// <summary>
/// The enrich role: joins each raw reading with who the patient is and where they lie (patient, department,
/// customer) and with its device, and emits it to <c>readings.enriched</c>. The join reads the reference tables inside
/// the same transaction that commits the output, so a change committed before a reading (a transfer, a discharge, a
/// device reassignment) applies to it: reference changes take effect on the very next reading with no restart. Rows
/// are cached across batches only while <c>reference_version</c>, which every reference change moves, stays the same. Readings that break a rule only checkable here (the device is not assigned to that patient, the
/// patient is discharged or gone) go to the dead-letter topic with the reason; the rest of the batch goes on.
/// </summary>
public sealed class ReadingEnricher(IEventLog log, Writers writers, TimeProvider clock, ILogger<ReadingEnricher> logger)
    : LogConsumerService(log, writers.For(Group), clock, logger)
{
    public const string Group = "enrich";

    protected override string GroupId => Group;

    protected override IReadOnlyList<string> Topics => [Domain.Log.Topics.ReadingsRaw];

    private readonly ReferenceLookup _lookup = new();

    protected override void Handle(WriteContext ctx, IReadOnlyList<ConsumedMessage> messages) => Plan(messages)(ctx);

    /// <summary>Reads each message's envelope and ids before the round's job reaches the writer, which then joins and appends.</summary>
    protected override Action<WriteContext> Plan(IReadOnlyList<ConsumedMessage> messages)
    {
        var raws = new RawReading[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            var envelope = Envelope.ReadHeader(messages[i].Payload);
            var body = messages[i].Payload.AsMemory(envelope.Body);
            var (customerId, patientId, deviceId) = Ids(body.Span);
            raws[i] = new RawReading(messages[i], envelope, body, customerId, patientId, deviceId);
        }

        return ctx => Handle(ctx, raws);
    }

    private void Handle(WriteContext ctx, RawReading[] raws)
    {
        var lookup = _lookup;
        lookup.Refresh(ctx);
        var output = new List<LogMessage>(raws.Length);
        foreach (var (message, envelope, raw, customerId, patientId, deviceId) in raws)
        {
            var patient = lookup.Patient(customerId, patientId);
            var device = deviceId is null ? null : lookup.Device(customerId, deviceId);
            var rejection = patient is null ? "patient no longer exists"
                : patient.Status == "discharged" ? "patient is discharged"
                : deviceId is not null && device is null ? "device no longer exists"
                : device is not null && device.PatientId != patientId ? $"device '{deviceId}' is not assigned to patient '{patientId}'"
                : null;
            if (rejection is null)
            {
                output.Add(Enriched(envelope, raw, patient!, device));
            }
            else
            {
                DeadLetter.Record(ctx, Log, message, Group, rejection, null);
            }
        }

        Log.Append(ctx, output);
    }

    private sealed record RawReading(ConsumedMessage Message, Envelope.Header Envelope, ReadOnlyMemory<byte> Body, string CustomerId, string PatientId, string? DeviceId);

    /// <summary>The raw reading's customer, patient and device, from its body's top-level properties.</summary>
    private static (string CustomerId, string PatientId, string? DeviceId) Ids(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        reader.Read();
        string? customerId = null, patientId = null, deviceId = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("customerId"u8))
            {
                customerId = reader.GetString();
            }
            else if (name.SequenceEqual("patientId"u8))
            {
                patientId = reader.GetString();
            }
            else if (name.SequenceEqual("deviceId"u8))
            {
                deviceId = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        return (customerId ?? throw new JsonException("a raw reading has no customerId"), patientId ?? throw new JsonException("a raw reading has no patientId"), deviceId);
    }

    /// <summary>
    /// The enriched message: the raw body's properties as they came (its bytes are copied, not parsed and written
    /// again), followed by the patient, department, customer and device.
    /// </summary>
    private static LogMessage Enriched(Envelope.Header raw, ReadOnlyMemory<byte> rawBody, ReferenceLookup.PatientRow patient, ReferenceLookup.DeviceRow? device)
    {
        var added = t_added ??= new ArrayBufferWriter<byte>(512);
        added.ResetWrittenCount();
        var w = t_writer ??= new Utf8JsonWriter(added);
        w.Reset(added);
        w.WriteStartObject();
        w.WriteStartObject("patient");
        w.WriteString("id", patient.Id);
        w.WriteString("mrn", patient.Mrn);
        w.WriteString("name", patient.Name);
        w.WriteNumber("spo2Scale", patient.Spo2Scale);
        w.WriteString("status", patient.Status);
        w.WriteEndObject();
        w.WriteStartObject("department");
        w.WriteString("id", patient.DepartmentId);
        w.WriteString("name", patient.DepartmentName);
        w.WriteEndObject();
        w.WriteStartObject("customer");
        w.WriteString("id", patient.CustomerId);
        w.WriteString("name", patient.CustomerName);
        w.WriteEndObject();
        if (device is not null)
        {
            w.WriteStartObject("device");
            w.WriteString("id", device.Id);
            w.WriteString("serial", device.Serial);
            w.WriteString("type", device.Type);
            w.WriteEndObject();
        }

        w.WriteEndObject();
        w.Flush();

        // "{raw properties" + "," + "added properties}": both are objects, so the one is the other's continuation.
        var rawSpan = rawBody.Span;
        var extra = added.WrittenSpan[1..];
        var empty = rawSpan[1..^1].Trim(" \t\r\n"u8).IsEmpty;
        var body = new byte[rawSpan.Length - 1 + (empty ? 0 : 1) + extra.Length];
        rawSpan[..^1].CopyTo(body);
        if (!empty)
        {
            body[rawSpan.Length - 1] = (byte)',';
        }

        extra.CopyTo(body.AsSpan(body.Length - extra.Length));
        return new(Domain.Log.Topics.ReadingsEnriched, raw.Key, Envelope.Encode(raw.MessageId, "reading.enriched", raw.Key, raw.EventTime, raw.TraceParent,
            body, static (writer, b) => writer.WriteRawValue(b, skipInputValidation: true)));
    }

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_added;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>Reference rows read inside a batch's transaction and kept while <c>reference_version</c> stays the same.</summary>
    private sealed class ReferenceLookup
    {
        private readonly VersionedCache<(string, string), PatientRow?> _patients = new();
        private readonly VersionedCache<(string, string), DeviceRow?> _devices = new();
        private WriteContext _ctx = null!;

        public sealed record PatientRow(
            string Id, string CustomerId, string CustomerName, string? DepartmentId, string? DepartmentName, string? Mrn, string Name, long Spo2Scale, string Status);

        public sealed record DeviceRow(string Id, string Serial, string Type, string? PatientId);

        public void Refresh(WriteContext ctx)
        {
            _ctx = ctx;
            var version = ReferenceVersion.Read(ctx);
            _patients.Refresh(ctx, version);
            _devices.Refresh(ctx, version);
        }

        public PatientRow? Patient(string customerId, string patientId) =>
            _patients.GetOrAdd((customerId, patientId), key => _ctx.Connection.QuerySingleOrDefault<PatientRow>(
                """
                SELECT p.id, p.customer_id, c.name AS customer_name, p.department_id, d.name AS department_name, p.mrn, p.name, p.spo2_scale, p.status
                FROM patients p JOIN customers c ON c.id = p.customer_id
                LEFT JOIN departments d ON d.customer_id = p.customer_id AND d.id = p.department_id
                WHERE p.customer_id = @customerId AND p.id = @patientId
                """, new { customerId = key.Item1, patientId = key.Item2 }, _ctx.Transaction));

        public DeviceRow? Device(string customerId, string deviceId) =>
            _devices.GetOrAdd((customerId, deviceId), key => _ctx.Connection.QuerySingleOrDefault<DeviceRow>(
                "SELECT id, serial, type, patient_id FROM devices WHERE customer_id = @customerId AND id = @deviceId",
                new { customerId = key.Item1, deviceId = key.Item2 }, _ctx.Transaction));
    }
}

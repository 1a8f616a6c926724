using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Readings;
using Vigil.Processing.Analysis;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Alerts;

/// <summary>
/// The analyze role's threshold stage: reports each numeric reading, in per-patient order, to its vital type's
/// effective threshold rule (patient, department, customer or built-in), so alerts are
/// raised, updated and auto-resolved by <see cref="AlertStore"/>. It also notes when each device last sent something
/// and closes a device's data-gap alert when its readings resume (data gaps themselves run on the clock, see
/// <see cref="AlertSweeper"/>). Its effects commit with the <see cref="Analyzer"/>'s offset.
/// </summary>
public sealed class ThresholdEvaluator(AlertStore alerts, IOptions<AlertOptions> options)
{
    private readonly ThresholdCache _thresholds = new();

    private static readonly BulkUpsert DeviceActivity = new("device_activity.upsert", "device_activity",
        [
            ("customer_id", BulkType.Text), ("device_id", BulkType.Text), ("patient_id", BulkType.Text), ("last_observed_at", BulkType.Int64),
            ("last_received_at", BulkType.Int64),
        ],
        """
        ON CONFLICT (customer_id, device_id) DO UPDATE
        SET patient_id = excluded.patient_id, last_observed_at = CASE WHEN excluded.last_observed_at > device_activity.last_observed_at THEN excluded.last_observed_at ELSE device_activity.last_observed_at END,
            last_received_at = excluded.last_received_at
        """);

    public void Apply(WriteContext ctx, IReadOnlyList<EnrichedReading> readings)
    {
        _thresholds.Refresh(ctx);
        var autoResolve = options.Value.AutoResolveAfter;
        var devices = new Dictionary<(string CustomerId, string DeviceId), (string PatientId, string? DepartmentId, DateTimeOffset ObservedAt)>();
        foreach (var r in readings)
        {
            var (customerId, patientId, departmentId, observedAt) = (r.CustomerId, r.PatientId, r.DepartmentId, r.ObservedAt);
            if (r.DeviceId is { } deviceId)
            {
                devices[(customerId, deviceId)] = devices.TryGetValue((customerId, deviceId), out var seen) && seen.ObservedAt > observedAt
                    ? seen with { PatientId = patientId, DepartmentId = departmentId }
                    : (patientId, departmentId, observedAt);
            }

            if (r.Type is not { Kind: ValueKind.Quantity } type || r.Number is not { } value
                || !_thresholds.For(ctx, customerId, departmentId, patientId).TryGetValue(type.Name, out var effective))
            {
                continue;
            }

            var rule = effective.Rule;
            var breaching = rule.IsBreachedBy(value);
            // An alert this reading raises or changes continues the reading's trace.
            ctx.TraceParent = r.TraceParent;
            alerts.Observe(ctx, new AlertStore.Signal(
                customerId, patientId, departmentId, AlertRules.Threshold(type.Name), AlertRules.ThresholdKind, breaching, rule.Severity,
                observedAt, value, breaching ? Describe(type, value, rule) : "", breaching ? Details(r, type, value, effective) : "{}",
                rule.Sustain, autoResolve));
            ctx.TraceParent = null;
        }

        DeviceActivity.Execute(ctx, [.. devices.Select(d => new object?[]
        {
            d.Key.CustomerId, d.Key.DeviceId, d.Value.PatientId, EventTime.ToMicros(d.Value.ObservedAt), EventTime.ToMicros(ctx.Now),
        })]);
        foreach (var ((customerId, deviceId), (patientId, departmentId, _)) in devices)
        {
            // A clear observation: resolves the device's data-gap alert if it has one, and reads nothing else when it has none.
            alerts.Observe(ctx, new AlertStore.Signal(customerId, patientId, departmentId, AlertRules.DataGap(deviceId), AlertRules.DataGapKind, false,
                AlertSeverity.Low, ctx.Now, null, "", "{}", TimeSpan.Zero, TimeSpan.Zero, "readings resumed"));
        }
    }

    private static string Describe(VitalType type, double value, ThresholdRule rule)
    {
        var unit = type.Unit is null ? "" : " " + type.Unit;
        var limit = value < rule.Low
            ? $"below the low limit {rule.Low.Value.ToString(CultureInfo.InvariantCulture)}"
            : $"above the high limit {rule.High!.Value.ToString(CultureInfo.InvariantCulture)}";
        return $"{type.Name} {value.ToString(CultureInfo.InvariantCulture)}{unit} is {limit}{unit}";
    }

    private static string Details(EnrichedReading r, VitalType type, double value, EffectiveThresholds.Effective effective)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("readingId", r.Id);
            w.WriteString("type", type.Name);
            w.WriteNumber("value", value);
            if (type.Unit is not null)
            {
                w.WriteString("unit", type.Unit);
            }

            if (effective.Rule.Low is { } low)
            {
                w.WriteNumber("low", low);
            }

            if (effective.Rule.High is { } high)
            {
                w.WriteNumber("high", high);
            }

            w.WriteNumber("forSeconds", effective.Rule.ForSeconds);
            w.WriteString("source", effective.Source);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

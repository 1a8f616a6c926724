using Dapper;
using Microsoft.Extensions.Options;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Alerts;

/// <summary>
/// The alert rules that run on the clock rather than on readings, checked every <see cref="AlertOptions.SweepInterval"/>:
/// a device assigned to an active patient that has sent nothing for its effective data-gap rule's time raises a
/// data-gap alert (one per device); a data-gap alert whose device was unassigned or whose patient was discharged is
/// resolved; an alert whose condition has been clear for <see cref="AlertOptions.AutoResolveAfter"/> is resolved even
/// when no further reading arrives to notice.
/// </summary>
public sealed class AlertSweeper(Writers writers, AlertStore alerts, TimeProvider clock, IOptions<AlertOptions> options, ILogger<AlertSweeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Alert sweep failed; trying again in {Interval}", options.Value.SweepInterval);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>One sweep at the writer's clock; returns the alerts it raised or resolved.</summary>
    public Task<IReadOnlyList<Alert>> SweepAsync(CancellationToken cancellationToken) =>
        writers.For(Analysis.Analyzer.Group).WriteAsync(ctx => (IReadOnlyList<Alert>)[.. DataGaps(ctx), .. ClearedConditions(ctx)], cancellationToken);

    // Classes with setters rather than positional records: with no rows, SQLite gives an expression column no type, and
    // Dapper can then match no constructor.
    private sealed class AssignedDevice
    {
        public string CustomerId { get; set; } = "";

        public string DeviceId { get; set; } = "";

        public string PatientId { get; set; } = "";

        public string? DepartmentId { get; set; }

        public long LastSeen { get; set; }
    }

    private sealed class OpenCondition
    {
        public string CustomerId { get; set; } = "";

        public string PatientId { get; set; } = "";

        public string Rule { get; set; } = "";
    }

    private List<Alert> DataGaps(WriteContext ctx)
    {
        var changed = new List<Alert>();
        var now = ctx.Now;
        var thresholds = new ThresholdCache();
        thresholds.Refresh(ctx);
        var assigned = ctx.Connection.Query<AssignedDevice>(
            """
            SELECT d.customer_id, d.id AS device_id, d.patient_id, p.department_id,
                   COALESCE(a.last_received_at, d.updated_at) AS last_seen
            FROM devices d
            JOIN patients p ON p.customer_id = d.customer_id AND p.id = d.patient_id AND p.status = 'active'
            LEFT JOIN device_activity a ON a.customer_id = d.customer_id AND a.device_id = d.id AND a.patient_id = d.patient_id
            """, transaction: ctx.Transaction).ToList();
        var current = new HashSet<(string, string, string)>();
        foreach (var device in assigned)
        {
            var rule = AlertRules.DataGap(device.DeviceId);
            current.Add((device.CustomerId, device.PatientId, rule));
            var gap = thresholds.For(ctx, device.CustomerId, device.DepartmentId, device.PatientId)[ThresholdRule.DataGapType].Rule;
            var lastSeen = EventTime.FromMicros(device.LastSeen);
            if (now - lastSeen < gap.Sustain || AlertStore.HasCondition(ctx, device.CustomerId, device.PatientId, rule))
            {
                continue;
            }

            var minutes = (int)(now - lastSeen).TotalMinutes;
            var alert = alerts.Observe(ctx, new AlertStore.Signal(
                device.CustomerId, device.PatientId, device.DepartmentId, rule, AlertRules.DataGapKind, true, gap.Severity, now, null,
                $"device '{device.DeviceId}' has sent nothing for {minutes} minutes",
                System.Text.Json.JsonSerializer.Serialize(new { deviceId = device.DeviceId, lastSeenAt = lastSeen, gapSeconds = gap.ForSeconds }),
                TimeSpan.Zero, TimeSpan.Zero));
            if (alert is not null)
            {
                changed.Add(alert);
            }
        }

        // A data-gap alert about a device that is no longer the patient's, or a patient no longer admitted, is moot.
        foreach (var moot in ctx.Connection.Query<OpenCondition>(
                     "SELECT customer_id, patient_id, rule FROM alert_conditions WHERE rule LIKE 'data\\_gap:%' ESCAPE '\\'",
                     transaction: ctx.Transaction))
        {
            if (!current.Contains((moot.CustomerId, moot.PatientId, moot.Rule)))
            {
                Clear(ctx, moot, "device unassigned or patient discharged", TimeSpan.Zero, changed);
            }
        }

        return changed;
    }

    private List<Alert> ClearedConditions(WriteContext ctx)
    {
        var changed = new List<Alert>();
        var clearFor = options.Value.AutoResolveAfter;
        foreach (var cleared in ctx.Connection.Query<OpenCondition>(
                     "SELECT customer_id, patient_id, rule FROM alert_conditions WHERE clear_since <= @due",
                     new { due = EventTime.ToMicros(ctx.Now - clearFor) }, ctx.Transaction))
        {
            Clear(ctx, cleared, null, clearFor, changed);
        }

        return changed;
    }

    private void Clear(WriteContext ctx, OpenCondition condition, string? note, TimeSpan clearFor, List<Alert> changed)
    {
        var alert = alerts.Observe(ctx, new AlertStore.Signal(condition.CustomerId, condition.PatientId, null, condition.Rule, "", false,
            AlertSeverity.Low, ctx.Now, null, "", "{}", TimeSpan.Zero, clearFor, note));
        if (alert is not null)
        {
            changed.Add(alert);
        }
    }
}

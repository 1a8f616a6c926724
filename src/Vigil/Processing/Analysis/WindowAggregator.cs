using System.Text.Json;
using Microsoft.Extensions.Options;
using Vigil.Domain;
using Vigil.Domain.Log;
using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// The analyze role's windows: reads <c>readings.enriched</c> and keeps, per patient and quantity vital type, the
/// count, min, max, mean and last of every 1-minute, 5-minute and 1-hour tumbling event-time window (UTC-aligned),
/// with each window flagged final once the patient's watermark has passed its end. Aggregates, watermarks and the
/// group's offset commit in one transaction, so each reading is reflected exactly once; a reading for a window
/// already final updates it and counts as a late correction.
/// </summary>
/// <remarks>
/// Patients' in-memory windows are a cache of the stored rows. A batch works on copies and swaps them in only once its
/// transaction has committed: the writer may roll a batch back and run it again, and a rolled-back batch must leave
/// no trace in memory either. Handle and the after-commit actions both run on the writer thread.
/// </remarks>
public sealed class WindowAggregator(
    IEventLog log, GroupCommitter writer, TimeProvider clock, IOptions<AnalysisOptions> options, ILogger<WindowAggregator> logger)
    : LogConsumerService(log, writer, clock, logger)
{
    public const string Group = "analyze-windows";

    private readonly WindowOptions _options = new(options.Value.AllowedLateness, WindowOptions.Default.Retention);
    private readonly Dictionary<(string CustomerId, string PatientId), PatientWindows> _patients = [];

    protected override string GroupId => Group;

    protected override IReadOnlyList<string> Topics => [Domain.Log.Topics.ReadingsEnriched];

    protected override void Handle(WriteContext ctx, IReadOnlyList<ConsumedMessage> messages)
    {
        var patients = new Dictionary<(string CustomerId, string PatientId), PatientWindows>();
        var changed = new Dictionary<(string CustomerId, string PatientId, string Type, string Size, DateTimeOffset Start), WindowAggregate>();
        foreach (var message in messages)
        {
            var body = Envelope.Decode(message.Payload).Body;
            var customerId = body.GetProperty("customerId").GetString()!;
            var patientId = body.GetProperty("patientId").GetString()!;
            if (!patients.TryGetValue((customerId, patientId), out var windows))
            {
                patients[(customerId, patientId)] = windows = Load(ctx, customerId, patientId);
            }

            if (ReadingOf(body, patientId) is not { } reading)
            {
                continue;
            }

            foreach (var update in windows.Add(reading))
            {
                var a = update.Aggregate;
                var key = (customerId, patientId, a.Type.Name, a.Size.Name, a.Start);
                if (!update.MergeIntoStored)
                {
                    changed[key] = a;
                }
                else if (changed.TryGetValue(key, out var pending))
                {
                    changed[key] = pending.Merge(a);
                }
                else
                {
                    // Evicted from memory: the stored aggregate (if any) holds the window's earlier readings.
                    changed[key] = WindowStore.Find(ctx, customerId, a)?.Merge(a) ?? a;
                }
            }

            foreach (var closed in windows.Advance())
            {
                changed[(customerId, patientId, closed.Type.Name, closed.Size.Name, closed.Start)] = closed;
            }
        }

        foreach (var ((customerId, _, _, _, _), aggregate) in changed)
        {
            WindowStore.Save(ctx, customerId, aggregate);
        }

        foreach (var ((customerId, patientId), windows) in patients)
        {
            if (windows.Watermark.LatestEventTime is { } latest)
            {
                WindowStore.SaveWatermark(ctx, customerId, patientId, latest, windows.LateCorrections);
            }
        }

        ctx.OnCommitted(() =>
        {
            foreach (var (key, windows) in patients)
            {
                _patients[key] = windows;
            }
        });
    }

    /// <summary>A copy of the cached windows (the cache itself changes only after commit), or the stored state.</summary>
    private PatientWindows Load(WriteContext ctx, string customerId, string patientId)
    {
        if (_patients.TryGetValue((customerId, patientId), out var cached))
        {
            return PatientWindows.Restore(patientId, cached.Windows, cached.Watermark.LatestEventTime, cached.LateCorrections, _options);
        }

        var stored = WindowStore.Load(ctx, customerId, patientId, _options);
        return PatientWindows.Restore(patientId, stored.Aggregates, stored.LatestEventTime, stored.LateCorrections, _options);
    }

    /// <summary>The reading an enriched message carries; only a quantity's value matters, any type's time moves the watermark.</summary>
    private static Reading? ReadingOf(JsonElement body, string patientId)
    {
        if (!VitalTypes.TryGetByName(body.GetProperty("type").GetString()!, out var type))
        {
            return null;
        }

        var value = type.Kind == ValueKind.Quantity ? body.GetProperty("value").GetDouble() : (double?)null;
        var observedAt = EventTime.Truncate(body.GetProperty("observedAt").GetDateTimeOffset());
        return new Reading(body.GetProperty("id").GetString()!, patientId, null, type, value, null, observedAt);
    }
}

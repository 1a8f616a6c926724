using System.Diagnostics;
using System.Diagnostics.Metrics;
using Dapper;
using Vigil.Domain.Alerts;
using Vigil.Domain.Diagnostics;
using Vigil.Storage;
using Vigil.Storage.EventLog;

namespace Vigil.Observability;

/// <summary>
/// Gauges read from the database when <c>/metrics</c> is scraped, each kept for <see cref="CacheFor"/> so that frequent
/// scrapes (or several Prometheus servers) cost at most one query per interval: DLQ depth, active alerts by severity,
/// consumer lag per group, topic and partition. Plus the process figures, read from the runtime. The meter comes from
/// the host's <see cref="IMeterFactory"/>: it is disposed with the host, and only this host's /metrics reads it.
/// </summary>
public sealed class StoreGauges
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(2);

    private readonly Meter _meter;
    private readonly IDatabase _db;
    private readonly IConsumerLagSource _lag;
    private readonly ILogger<StoreGauges> _logger;
    private readonly Cached<long> _dlq;
    private readonly Cached<Dictionary<string, long>> _alerts;
    private readonly Cached<IReadOnlyList<ConsumerLag>> _lags;

    public StoreGauges(IMeterFactory meters, IDatabase db, IConsumerLagSource lag, TimeProvider clock, ILogger<StoreGauges> logger)
    {
        _meter = meters.Create(VigilTelemetry.Name);
        _db = db;
        _lag = lag;
        _logger = logger;
        _dlq = new(clock, ReadDlq);
        _alerts = new(clock, ReadAlerts);
        _lags = new(clock, () => _lag.Read(CancellationToken.None));
        _meter.CreateObservableGauge("vigil.dlq.depth", DlqDepth);
        _meter.CreateObservableGauge("vigil.alerts.active", ActiveAlerts);
        _meter.CreateObservableGauge("vigil.log.consumer_lag", Lags);
        var process = Process.GetCurrentProcess();
        var started = new DateTimeOffset(process.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
        _meter.CreateObservableGauge("process.resident_memory", () => Environment.WorkingSet);
        _meter.CreateObservableCounter("process.cpu.time", () =>
        {
            process.Refresh();
            return process.TotalProcessorTime.TotalSeconds;
        });
        _meter.CreateObservableGauge("process.start_time", () => started);
        _meter.CreateObservableCounter("dotnet.gc.collections", GcCollections);
        _meter.CreateObservableGauge("dotnet.gc.heap_size", () => GC.GetTotalMemory(false));
        _meter.CreateObservableGauge("dotnet.thread_pool.threads", () => ThreadPool.ThreadCount);
        _meter.CreateObservableGauge("dotnet.thread_pool.queue_length", () => ThreadPool.PendingWorkItemCount);
    }

    private long ReadDlq()
    {
        using var connection = _db.Open();
        return connection.ExecuteScalar<long>("SELECT COUNT(*) FROM dead_letters WHERE replayed_at IS NULL");
    }

    private Dictionary<string, long> ReadAlerts()
    {
        using var connection = _db.Open();
        var counts = AlertSeverity.All.ToDictionary(s => s, _ => 0L);
        foreach (var (severity, count) in connection.Query<(string, long)>("SELECT severity, COUNT(*) FROM alerts WHERE status = 'active' GROUP BY severity"))
        {
            counts[severity] = count;
        }

        return counts;
    }

    private IEnumerable<Measurement<long>> DlqDepth() =>
        Read(_dlq, "dead letters", -1L) is var n and >= 0 ? [new Measurement<long>(n)] : [];

    private IEnumerable<Measurement<long>> ActiveAlerts() =>
        Read(_alerts, "active alerts", []).Select(a => new Measurement<long>(a.Value, new KeyValuePair<string, object?>("severity", a.Key)));

    private IEnumerable<Measurement<long>> Lags() =>
        Read(_lags, "consumer lag", []).Select(l => new Measurement<long>(l.Messages,
            new("group", l.Group), new("topic", l.Topic), new("partition", VigilTelemetry.Partition(l.Partition))));

    private static IEnumerable<Measurement<long>> GcCollections()
    {
        for (var generation = 0; generation <= GC.MaxGeneration; generation++)
        {
            yield return new Measurement<long>(GC.CollectionCount(generation), new KeyValuePair<string, object?>("generation", VigilTelemetry.Partition(generation)));
        }
    }

    /// <summary>A gauge whose source does not answer is left out of the scrape (and logged) rather than failing it.</summary>
    private T Read<T>(Cached<T> cached, string what, T fallback)
    {
        try
        {
            return cached.Value;
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Reading {What} for /metrics failed", what);
            return fallback;
        }
    }

    /// <summary>A value read at most once per <see cref="CacheFor"/>.</summary>
    private sealed class Cached<T>(TimeProvider clock, Func<T> read)
    {
        private (T Value, DateTimeOffset At)? _last;

        public T Value
        {
            get
            {
                var now = clock.GetUtcNow();
                if (_last is { } last && now - last.At < CacheFor)
                {
                    return last.Value;
                }

                var value = read();
                _last = (value, now);
                return value;
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Vigil.Observability;

/// <summary>
/// Listens to the instruments of <see cref="MetricCatalog"/> (Vigil's meter and ASP.NET Core's) with one
/// <see cref="MeterListener"/> and keeps each series' value in memory for <c>/metrics</c>. A measurement costs a
/// dictionary lookup by value and an interlocked update: no lock and no allocation once its series exists. Observable
/// instruments (gauges that read the database, process figures) are read only when scraped.
/// </summary>
public sealed class MetricsCollector : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly Dictionary<(string Meter, string Instrument), MetricDefinition> _definitions;
    private readonly ConcurrentDictionary<MetricDefinition, Family> _families = new();
    private readonly Lock _scrape = new();

    /// <param name="meters">
    /// This host's meter factory: of meters created through a factory (ASP.NET Core's, <see cref="StoreGauges"/>), only
    /// this host's are read, so two hosts in one process (tests) each report their own requests and database. Vigil's
    /// static meter (counters recorded deep in the pipeline) belongs to the process.
    /// </param>
    public MetricsCollector(IMeterFactory meters)
    {
        _definitions = MetricCatalog.All.ToDictionary(d => (d.Meter, d.Instrument));
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (_definitions.TryGetValue((instrument.Meter.Name, instrument.Name), out var definition)
                && (instrument.Meter.Scope is null || ReferenceEquals(instrument.Meter.Scope, meters)))
            {
                listener.EnableMeasurementEvents(instrument, _families.GetOrAdd(definition, d => new Family(d, instrument.IsObservable, IsUpDown(instrument))));
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>((_, value, tags, state) => ((Family)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>Reads the observable instruments, then writes every family in the Prometheus text format.</summary>
    public void WriteTo(TextWriter output)
    {
        lock (_scrape)
        {
            foreach (var family in _families.Values.Where(f => f.Observable))
            {
                family.Series.Clear();
            }

            _listener.RecordObservableInstruments();
            foreach (var definition in MetricCatalog.All)
            {
                if (_families.TryGetValue(definition, out var family))
                {
                    PrometheusText.Write(output, definition, family.Series);
                }
            }
        }
    }

    private static bool IsUpDown(Instrument instrument)
    {
        var type = instrument.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(UpDownCounter<>);
    }

    public void Dispose() => _listener.Dispose();

    /// <summary>One metric's series by label values.</summary>
    private sealed class Family(MetricDefinition definition, bool observable, bool upDown)
    {
        public bool Observable { get; } = observable;

        public ConcurrentDictionary<LabelValues, MetricSeries> Series { get; } = new();

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var key = LabelValues.From(definition, tags);
            var series = Series.GetOrAdd(key, static (_, buckets) => new MetricSeries(buckets), definition.Buckets);
            if (definition.Kind == MetricKind.Histogram)
            {
                series.Observe(value, definition.Buckets!);
            }
            else if (Observable && !upDown)
            {
                // An observable counter reports its running total, an observable gauge its current value.
                series.Set(value);
            }
            else
            {
                series.Add(value);
            }
        }
    }
}

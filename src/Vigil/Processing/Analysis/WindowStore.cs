using Dapper;
using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Domain.Windows;
using Vigil.Storage;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// The tables <c>window_aggregates</c> and <c>patient_watermarks</c>: written by <see cref="WindowAggregator"/> inside
/// its batch's transaction, read by the aggregates endpoint. Every query names the customer.
/// </summary>
public sealed class WindowStore(IDatabase db)
{
    private const string Columns = "type, size, window_start, count, sum, min, max, last, last_at, final";

    /// <summary>What is stored about a patient: latest event time and late corrections (null when nothing yet), and the aggregates ending at or after the eviction horizon.</summary>
    public sealed record PatientState(DateTimeOffset? LatestEventTime, long LateCorrections, IReadOnlyList<WindowAggregate> Aggregates);

    public static PatientState Load(WriteContext ctx, string customerId, string patientId, WindowOptions options)
    {
        var m = ctx.Connection.QuerySingleOrDefault<WatermarkRow>(
            "SELECT latest_event_time, late_corrections FROM patient_watermarks WHERE customer_id = @customerId AND patient_id = @patientId",
            new { customerId, patientId }, ctx.Transaction);
        if (m is null)
        {
            return new PatientState(null, 0, []);
        }

        var latest = EventTime.FromMicros(m.LatestEventTime);
        var horizon = EventTime.ToMicros(options.EvictionHorizon(latest));
        var rows = ctx.Connection.Query<Row>(
            $"SELECT {Columns} FROM window_aggregates WHERE customer_id = @customerId AND patient_id = @patientId AND window_end >= @horizon",
            new { customerId, patientId, horizon }, ctx.Transaction);
        return new PatientState(latest, m.LateCorrections, [.. rows.Select(r => r.ToAggregate(patientId))]);
    }

    /// <summary>The stored aggregate of one window, or null.</summary>
    public static WindowAggregate? Find(WriteContext ctx, string customerId, WindowAggregate window)
    {
        var row = ctx.Connection.QuerySingleOrDefault<Row>(
            $"""
            SELECT {Columns} FROM window_aggregates
            WHERE customer_id = @customerId AND patient_id = @patientId AND type = @type AND size = @size AND window_start = @start
            """,
            new { customerId, patientId = window.PatientId, type = window.Type.Name, size = window.Size.Name, start = EventTime.ToMicros(window.Start) },
            ctx.Transaction);
        return row?.ToAggregate(window.PatientId);
    }

    private static readonly BulkUpsert AggregatesUpsert = new("window_aggregates.upsert", "window_aggregates",
        [
            ("customer_id", BulkType.Text), ("patient_id", BulkType.Text), ("type", BulkType.Text), ("size", BulkType.Text),
            ("window_start", BulkType.Int64), ("window_end", BulkType.Int64), ("count", BulkType.Int64), ("sum", BulkType.Double),
            ("min", BulkType.Double), ("max", BulkType.Double), ("last", BulkType.Double), ("last_at", BulkType.Int64),
            ("final", BulkType.Int64), ("updated_at", BulkType.Int64),
        ],
        """
        ON CONFLICT (customer_id, patient_id, type, size, window_start) DO UPDATE SET
            count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, last = excluded.last,
            last_at = excluded.last_at, final = excluded.final, updated_at = excluded.updated_at
        """);

    private static readonly BulkUpsert WatermarksUpsert = new("patient_watermarks.upsert", "patient_watermarks",
        [("customer_id", BulkType.Text), ("patient_id", BulkType.Text), ("latest_event_time", BulkType.Int64), ("late_corrections", BulkType.Int64)],
        """
        ON CONFLICT (customer_id, patient_id) DO UPDATE SET
            latest_event_time = excluded.latest_event_time, late_corrections = excluded.late_corrections
        """);

    /// <summary>Stores a batch's changed aggregates (one per window) in one statement.</summary>
    public static void Save(WriteContext ctx, IEnumerable<(string CustomerId, WindowAggregate Aggregate)> aggregates)
    {
        var now = EventTime.ToMicros(ctx.Now);
        AggregatesUpsert.Execute(ctx, [.. aggregates.Select(x => new object?[]
        {
            x.CustomerId, x.Aggregate.PatientId, x.Aggregate.Type.Name, x.Aggregate.Size.Name, EventTime.ToMicros(x.Aggregate.Start),
            EventTime.ToMicros(x.Aggregate.End), x.Aggregate.Count, x.Aggregate.Sum, x.Aggregate.Min, x.Aggregate.Max,
            x.Aggregate.Last, EventTime.ToMicros(x.Aggregate.LastAt), x.Aggregate.Final ? 1L : 0L, now,
        })]);
    }

    /// <summary>Stores a batch's patients' latest event times and late corrections (one per patient) in one statement.</summary>
    public static void SaveWatermarks(WriteContext ctx, IEnumerable<(string CustomerId, string PatientId, DateTimeOffset LatestEventTime, long LateCorrections)> watermarks) =>
        WatermarksUpsert.Execute(ctx, [.. watermarks.Select(w => new object?[] { w.CustomerId, w.PatientId, EventTime.ToMicros(w.LatestEventTime), w.LateCorrections })]);

    /// <summary>A patient's windows of one type and size that overlap [<paramref name="from"/>, <paramref name="to"/>), by start.</summary>
    public async Task<IReadOnlyList<WindowAggregate>> QueryAsync(
        string customerId, string patientId, VitalType type, WindowSize size, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM window_aggregates
            WHERE customer_id = @customerId AND patient_id = @patientId AND type = @type AND size = @size
              AND window_start > @from - @length AND window_start < @to
            ORDER BY window_start
            """,
            new
            {
                customerId, patientId, type = type.Name, size = size.Name, length = size.Micros,
                from = from is { } f ? EventTime.ToMicros(f) : long.MinValue / 2,
                to = EventTime.ToBound(to),
            },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToAggregate(patientId))];
    }

    /// <summary>The latest event time seen and the late corrections of a patient, or null before the first reading.</summary>
    public async Task<(DateTimeOffset LatestEventTime, long LateCorrections)?> WatermarkAsync(string customerId, string patientId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var m = await c.QuerySingleOrDefaultAsync<WatermarkRow>(new CommandDefinition(
            "SELECT latest_event_time, late_corrections FROM patient_watermarks WHERE customer_id = @customerId AND patient_id = @patientId",
            new { customerId, patientId }, cancellationToken: cancellationToken));
        return m is null ? null : (EventTime.FromMicros(m.LatestEventTime), m.LateCorrections);
    }

    private sealed record WatermarkRow(long LatestEventTime, long LateCorrections);

    private sealed record Row(string Type, string Size, long WindowStart, long Count, double Sum, double Min, double Max, double Last, long LastAt, long Final)
    {
        public WindowAggregate ToAggregate(string patientId)
        {
            if (!VitalTypes.TryGetByName(Type, out var type) || !WindowSize.TryGetByName(Size, out var size))
            {
                throw new InvalidOperationException($"window_aggregates holds an unknown type or size: {Type}/{Size}");
            }

            return new WindowAggregate(
                patientId, type, new TumblingWindow(size, EventTime.FromMicros(WindowStart)), Count, Sum, Min, Max, Last, EventTime.FromMicros(LastAt), Final != 0);
        }
    }
}

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

    public static void Save(WriteContext ctx, string customerId, WindowAggregate a)
    {
        var upsert = ctx.Statement("window_aggregates.upsert",
            """
            INSERT INTO window_aggregates (customer_id, patient_id, type, size, window_start, window_end, count, sum, min, max, last, last_at, final, updated_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
            ON CONFLICT (customer_id, patient_id, type, size, window_start) DO UPDATE SET
                count = excluded.count, sum = excluded.sum, min = excluded.min, max = excluded.max, last = excluded.last,
                last_at = excluded.last_at, final = excluded.final, updated_at = excluded.updated_at
            """);
        upsert.Bind(1, customerId).Bind(2, a.PatientId).Bind(3, a.Type.Name).Bind(4, a.Size.Name)
            .Bind(5, EventTime.ToMicros(a.Start)).Bind(6, EventTime.ToMicros(a.End)).Bind(7, a.Count)
            .Bind(8, (double?)a.Sum).Bind(9, (double?)a.Min).Bind(10, (double?)a.Max).Bind(11, (double?)a.Last)
            .Bind(12, EventTime.ToMicros(a.LastAt)).Bind(13, a.Final ? 1 : 0).Bind(14, EventTime.ToMicros(ctx.Now))
            .Execute();
    }

    public static void SaveWatermark(WriteContext ctx, string customerId, string patientId, DateTimeOffset latestEventTime, long lateCorrections)
    {
        var upsert = ctx.Statement("patient_watermarks.upsert",
            """
            INSERT INTO patient_watermarks (customer_id, patient_id, latest_event_time, late_corrections) VALUES (?1, ?2, ?3, ?4)
            ON CONFLICT (customer_id, patient_id) DO UPDATE SET
                latest_event_time = excluded.latest_event_time, late_corrections = excluded.late_corrections
            """);
        upsert.Bind(1, customerId).Bind(2, patientId).Bind(3, EventTime.ToMicros(latestEventTime)).Bind(4, lateCorrections).Execute();
    }

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

using System.Globalization;
using Dapper;
using Vigil.Domain;
using Vigil.Domain.Insights;
using Vigil.Storage;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// The table <c>vital_baselines</c>: written by <see cref="BaselineTracker"/> inside its batch's transaction (a row
/// when a vital's open minute moves on), read by the baselines endpoint. Every query names the customer.
/// </summary>
public sealed class BaselineStore(IDatabase db)
{
    /// <summary>A stored baseline as the API shows it.</summary>
    public sealed record Stored(string Type, PersonalBaseline Baseline, DateTimeOffset OpenMinute, DateTimeOffset UpdatedAt);

    private static readonly BulkUpsert Upsert = new("vital_baselines.upsert", "vital_baselines",
        [
            ("customer_id", BulkType.Text), ("patient_id", BulkType.Text), ("type", BulkType.Text), ("level", BulkType.Double),
            ("spread", BulkType.Double), ("minutes", BulkType.Int64), ("recent", BulkType.Text), ("open_minute", BulkType.Int64),
            ("updated_at", BulkType.Int64),
        ],
        """
        ON CONFLICT (customer_id, patient_id, type) DO UPDATE SET
            level = excluded.level, spread = excluded.spread, minutes = excluded.minutes, recent = excluded.recent,
            open_minute = excluded.open_minute, updated_at = excluded.updated_at
        """);

    /// <summary>
    /// A patient's streams as stored, each with its open minute's count and sum from that minute's 1m window aggregate
    /// (which the windows stage keeps up to date on every batch), in one query.
    /// </summary>
    public static IReadOnlyList<MinuteStream> Load(WriteContext ctx, string customerId, string patientId) =>
        [.. ctx.Connection.Query<LoadRow>(
            """
            SELECT b.type, b.level, b.spread, b.minutes, b.recent, b.open_minute, w.count, w.sum
            FROM vital_baselines b
            LEFT JOIN window_aggregates w ON w.customer_id = b.customer_id AND w.patient_id = b.patient_id AND w.type = b.type
                 AND w.size = '1m' AND w.window_start = b.open_minute
            WHERE b.customer_id = @customerId AND b.patient_id = @patientId
            """,
            new { customerId, patientId }, ctx.Transaction)
            .Select(r => new MinuteStream(r.Type, EventTime.FromMicros(r.OpenMinute), r.Count ?? 0, r.Sum ?? 0,
                new PersonalBaseline(r.Level, r.Spread, (int)r.Minutes, ParseRecent(r.Recent))))];

    /// <summary>Stores a batch's streams whose open minute moved (one per patient and type) in one statement.</summary>
    public static void Save(WriteContext ctx, IEnumerable<(string CustomerId, string PatientId, MinuteStream Stream)> streams)
    {
        var now = EventTime.ToMicros(ctx.Now);
        Upsert.Execute(ctx, [.. streams.Select(s => new object?[]
        {
            s.CustomerId, s.PatientId, s.Stream.Type, s.Stream.Baseline.Level, s.Stream.Baseline.Spread, (long)s.Stream.Baseline.Minutes,
            string.Join(',', s.Stream.Baseline.Recent.Select(v => v.ToString("R", CultureInfo.InvariantCulture))),
            EventTime.ToMicros(s.Stream.OpenMinute!.Value), now,
        })]);
    }

    /// <summary>A patient's baselines, by type.</summary>
    public async Task<IReadOnlyList<Stored>> ListAsync(string customerId, string patientId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<ListRow>(new CommandDefinition(
            """
            SELECT type, level, spread, minutes, recent, open_minute, updated_at FROM vital_baselines
            WHERE customer_id = @customerId AND patient_id = @patientId ORDER BY type
            """,
            new { customerId, patientId }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new Stored(r.Type, new PersonalBaseline(r.Level, r.Spread, (int)r.Minutes, ParseRecent(r.Recent)),
            EventTime.FromMicros(r.OpenMinute), EventTime.FromMicros(r.UpdatedAt)))];
    }

    private static double[] ParseRecent(string recent) =>
        recent.Length == 0 ? [] : [.. recent.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture))];

    private sealed record LoadRow(string Type, double Level, double Spread, long Minutes, string Recent, long OpenMinute, long? Count, double? Sum);

    private sealed record ListRow(string Type, double Level, double Spread, long Minutes, string Recent, long OpenMinute, long UpdatedAt);
}

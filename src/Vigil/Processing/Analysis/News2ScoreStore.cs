using System.Text.Json;
using Dapper;
using Vigil.Domain;
using Vigil.Domain.Scoring;
using Vigil.Storage;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// The <c>news2_scores</c> table: a patient's NEWS2 scores over time, newest by event time. Parameters and missing
/// parameters are kept as JSON in the chart's order, so two equal scores have equal text and a change is a string
/// comparison.
/// </summary>
internal static class News2ScoreStore
{
    private const string Columns = "seq, at, score, risk, complete, parameters, missing, computed_at";

    /// <summary>A stored score; times in microseconds (<see cref="EventTime"/>).</summary>
    public sealed record Row(long Seq, long At, long Score, string Risk, long Complete, string Parameters, string Missing, long ComputedAt);

    public static Row? Latest(WriteContext ctx, string customerId, string patientId) => Newest(ctx, customerId, patientId, 0);

    /// <summary>The latest stored score of each of <paramref name="patients"/> that has one; on PostgreSQL in one query.</summary>
    public static Dictionary<(string CustomerId, string PatientId), Row> Latest(WriteContext ctx, IReadOnlyCollection<(string CustomerId, string PatientId)> patients)
    {
        var latest = new Dictionary<(string, string), Row>();
        if (ctx.Dialect != SqlDialect.Postgres)
        {
            foreach (var (customerId, patientId) in patients)
            {
                if (Latest(ctx, customerId, patientId) is { } row)
                {
                    latest[(customerId, patientId)] = row;
                }
            }

            return latest;
        }

        var rows = ctx.Connection.Query<(string CustomerId, string PatientId, long Seq, long At, long Score, string Risk, long Complete, string Parameters, string Missing, long ComputedAt)>(
            $"""
            SELECT p.customer_id, p.patient_id, s.seq, s.at, s.score, s.risk, s.complete, s.parameters, s.missing, s.computed_at
            FROM unnest(@customers::text[], @patients::text[]) AS p(customer_id, patient_id)
            CROSS JOIN LATERAL (
                SELECT {Columns} FROM news2_scores WHERE customer_id = p.customer_id AND patient_id = p.patient_id
                ORDER BY at DESC, seq DESC LIMIT 1) AS s
            """,
            new { customers = patients.Select(p => p.CustomerId).ToArray(), patients = patients.Select(p => p.PatientId).ToArray() }, ctx.Transaction);
        foreach (var r in rows)
        {
            latest[(r.CustomerId, r.PatientId)] = new Row(r.Seq, r.At, r.Score, r.Risk, r.Complete, r.Parameters, r.Missing, r.ComputedAt);
        }

        return latest;
    }

    /// <summary>The patient's stored score <paramref name="skip"/> places behind the newest.</summary>
    private static Row? Newest(WriteContext ctx, string customerId, string patientId, int skip)
    {
        Row? found = null;
        ctx.Statement("news2_scores.newest", $"""
            SELECT {Columns} FROM news2_scores WHERE customer_id = ?1 AND patient_id = ?2
            ORDER BY at DESC, seq DESC LIMIT 1 OFFSET ?3
            """).Bind(1, customerId).Bind(2, patientId).Bind(3, skip)
            .QueryFirst(r => found = new Row(r.Int64(0), r.Int64(1), r.Int64(2), r.Text(3)!, r.Int64(4), r.Text(5)!, r.Text(6)!, r.Int64(7)));
        return found;
    }

    private static bool Says(Row? row, News2Score score, string parameters, string missing) =>
        row is not null && row.Score == score.Score && row.Risk == score.Risk && row.Parameters == parameters && row.Missing == missing;

    /// <summary>
    /// Adds <paramref name="score"/> unless it says what the patient's latest stored score says. A
    /// score for the same event time as the latest replaces it: the history keeps one score per moment, whether the
    /// readings of a round reached the scorer in one batch or, as Kafka may deliver them, in several.
    /// <paramref name="latest"/> is the patient's latest stored score as read in this transaction. True when the history
    /// changed.
    /// </summary>
    public static bool AddIfChanged(WriteContext ctx, string customerId, string patientId, News2Score score, Row? latest)
    {
        var at = score.At ?? throw new ArgumentException("a score without readings is not stored", nameof(score));
        var parameters = ParametersJson(score);
        var missing = JsonSerializer.Serialize(score.Missing);
        if (Says(latest, score, parameters, missing))
        {
            return false;
        }

        if (latest is not null && latest.At == EventTime.ToMicros(at))
        {
            // Replaced by a score that says what the one before it says: the moment no longer changed anything.
            if (Says(Newest(ctx, customerId, patientId, 1), score, parameters, missing))
            {
                ctx.Statement("news2_scores.delete", "DELETE FROM news2_scores WHERE seq = ?1").Bind(1, latest.Seq).Execute();
                return true;
            }

            ctx.Statement("news2_scores.replace", """
                UPDATE news2_scores SET score = ?2, risk = ?3, complete = ?4, parameters = ?5, missing = ?6, computed_at = ?7
                WHERE seq = ?1
                """).Bind(1, latest.Seq).Bind(2, score.Score).Bind(3, score.Risk).Bind(4, score.Complete ? 1 : 0).Bind(5, parameters)
                .Bind(6, missing).Bind(7, EventTime.ToMicros(ctx.Now)).Execute();
            return true;
        }

        ctx.Statement("news2_scores.insert", """
            INSERT INTO news2_scores (customer_id, patient_id, at, score, risk, complete, parameters, missing, computed_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
            """).Bind(1, customerId).Bind(2, patientId).Bind(3, EventTime.ToMicros(at)).Bind(4, score.Score).Bind(5, score.Risk)
            .Bind(6, score.Complete ? 1 : 0).Bind(7, parameters).Bind(8, missing).Bind(9, EventTime.ToMicros(ctx.Now)).Execute();
        return true;
    }

    public static async Task<Row?> LatestAsync(IDatabase db, string customerId, string patientId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        return await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM news2_scores WHERE customer_id = @customerId AND patient_id = @patientId
            ORDER BY at DESC, seq DESC LIMIT 1
            """, new { customerId, patientId }, cancellationToken: cancellationToken));
    }

    /// <summary>Scores with <c>from ≤ at &lt; to</c>, newest first, at most <paramref name="limit"/>.</summary>
    public static async Task<IReadOnlyList<Row>> HistoryAsync(
        IDatabase db, string customerId, string patientId, DateTimeOffset? from, DateTimeOffset? to, int limit, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM news2_scores
            WHERE customer_id = @customerId AND patient_id = @patientId AND at >= @from AND at < @to
            ORDER BY at DESC, seq DESC LIMIT @limit
            """,
            new
            {
                customerId, patientId, limit,
                from = EventTime.FromBound(from),
                to = EventTime.ToBound(to),
            },
            cancellationToken: cancellationToken));
        return rows.AsList();
    }

    /// <summary>{ name: { value, points } } in the chart's order; value is a number, an ACVPU letter, or "air"/"oxygen".</summary>
    public static string ParametersJson(News2Score score)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var name in News2Parameter.All)
            {
                if (!score.Parameters.TryGetValue(name, out var parameter))
                {
                    continue;
                }

                w.WriteStartObject(name);
                switch (parameter.Value)
                {
                    case int whole:
                        w.WriteNumber("value", whole);
                        break;
                    case double number:
                        w.WriteNumber("value", number);
                        break;
                    default:
                        w.WriteString("value", parameter.Value.ToString());
                        break;
                }

                w.WriteNumber("points", parameter.Points);
                w.WriteEndObject();
            }

            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

using Microsoft.Data.Sqlite;
using Vigil.Storage.Sqlite;

namespace Vigil.Bench;

/// <summary>
/// Reads a running server's database file read-only to see how far processing has got: the readings reflected in a
/// customer's 1-minute window aggregates, the windows a watermark has passed that are still not final, and each
/// consumer group's lag. A measurement probe beside the product, not part of it: WAL readers never block the writer,
/// and each query is a short read of its own so checkpoints are not held back.
/// </summary>
public sealed class ProcessingProbe : IProcessingProbe
{
    // (group, topic) of the reading pipeline's processing roles (src/Vigil/Processing): enrich reads the raw readings,
    // analyze (windows, NEWS2, thresholds in one group) the enriched ones.
    public static readonly IReadOnlyList<(string Group, string Topic)> Groups =
    [
        ("enrich", "readings.raw"),
        ("analyze", "readings.enriched"),
    ];

    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _reflected;
    private readonly SqliteCommand _notFinal;

    public ProcessingProbe(string dataDir, string customer)
    {
        var path = new SqliteDatabase(dataDir).Path;
        if (!File.Exists(path))
        {
            throw new BenchException($"{path} does not exist");
        }

        _connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        _connection.Open();
        using (var timeout = _connection.CreateCommand())
        {
            timeout.CommandText = "PRAGMA busy_timeout=10000;";
            timeout.ExecuteNonQuery();
        }

        _reflected = Prepare("SELECT COALESCE(SUM(count), 0) FROM window_aggregates WHERE customer_id = $c AND size = '1m'", customer);
        _notFinal = Prepare("SELECT COUNT(*) FROM window_aggregates WHERE customer_id = $c AND final = 0 AND window_end <= $w", customer);
        _notFinal.Parameters.Add(new SqliteParameter("$w", 0L));
    }

    public long Reflected() => (long)_reflected.ExecuteScalar()!;

    public long NotFinal(DateTimeOffset watermark)
    {
        _notFinal.Parameters["$w"].Value = ToMicros(watermark);
        return (long)_notFinal.ExecuteScalar()!;
    }

    // An index range count of log rows per partition from the group's committed offset: costs in proportion to the lag.
    public IReadOnlyList<(string Group, long Lag)> Lags(int partitions)
    {
        using var committed = _connection.CreateCommand();
        committed.CommandText = "SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $g AND topic = $t";
        var g = committed.Parameters.Add(new SqliteParameter("$g", ""));
        var t = committed.Parameters.Add(new SqliteParameter("$t", ""));
        using var count = _connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM log WHERE topic = $t AND partition = $p AND seq >= $from";
        var ct = count.Parameters.Add(new SqliteParameter("$t", ""));
        var cp = count.Parameters.Add(new SqliteParameter("$p", 0L));
        var cf = count.Parameters.Add(new SqliteParameter("$from", 0L));
        var lags = new List<(string, long)>(Groups.Count);
        foreach (var (group, topic) in Groups)
        {
            g.Value = group;
            t.Value = topic;
            var next = new Dictionary<long, long>();
            using (var reader = committed.ExecuteReader())
            {
                while (reader.Read())
                {
                    next[reader.GetInt64(0)] = reader.GetInt64(1);
                }
            }

            long lag = 0;
            ct.Value = topic;
            for (var partition = 0L; partition < partitions; partition++)
            {
                cp.Value = partition;
                cf.Value = next.GetValueOrDefault(partition);
                lag += (long)count.ExecuteScalar()!;
            }

            lags.Add((group, lag));
        }

        return lags;
    }

    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public void Dispose()
    {
        _reflected.Dispose();
        _notFinal.Dispose();
        _connection.Dispose();
    }

    private SqliteCommand Prepare(string sql, string customer)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.Add(new SqliteParameter("$c", customer));
        return command;
    }
}

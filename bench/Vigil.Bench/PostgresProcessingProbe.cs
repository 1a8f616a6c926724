using Npgsql;

namespace Vigil.Bench;

/// <summary>
/// <see cref="ProcessingProbe"/> for the distributed mode: the same queries on the PostgreSQL database the server
/// writes to, through a connection of its own (read committed, one short statement at a time).
/// </summary>
/// <remarks>
/// A group's lag is taken from the positions in the database rather than from the broker: the outbox relay is the only
/// producer of Vigil's topics and records in <c>relay_positions</c> the offset after the last record Kafka acknowledged
/// per partition (the partition's high-water mark once the relay has confirmed it), and each group commits its position
/// to <c>consumer_offsets</c> with its effects. Messages still in <c>outbox</c> rows are not in Kafka yet; they are reported as
/// the <c>outbox</c> entry (all topics).
/// </remarks>
public sealed class PostgresProcessingProbe : IProcessingProbe
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlCommand _reflected;
    private readonly NpgsqlCommand _notFinal;

    public PostgresProcessingProbe(string connectionString, string customer)
    {
        _connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false, ApplicationName = "vigil-bench probe" }.ConnectionString);
        _connection.Open();
        _reflected = Prepare("SELECT COALESCE(SUM(count), 0)::bigint FROM window_aggregates WHERE customer_id = @c AND size = '1m'", customer);
        _notFinal = Prepare("SELECT COUNT(*) FROM window_aggregates WHERE customer_id = @c AND final = 0 AND window_end <= @w", customer);
        _notFinal.Parameters.AddWithValue("w", 0L);
    }

    public long Reflected() => (long)_reflected.ExecuteScalar()!;

    public long NotFinal(DateTimeOffset watermark)
    {
        _notFinal.Parameters["w"].Value = ProcessingProbe.ToMicros(watermark);
        return (long)_notFinal.ExecuteScalar()!;
    }

    public IReadOnlyList<(string Group, long Lag)> Lags(int partitions)
    {
        using var lag = new NpgsqlCommand(
            """
            SELECT COALESCE(SUM(GREATEST(r.next_offset - COALESCE(c.next_offset, 0), 0)), 0)::bigint
            FROM relay_positions r
            LEFT JOIN consumer_offsets c ON c.group_id = @g AND c.topic = r.topic AND c.partition = r.partition
            WHERE r.topic = @t AND r.partition < @n
            """, _connection);
        var g = lag.Parameters.AddWithValue("g", "");
        var t = lag.Parameters.AddWithValue("t", "");
        lag.Parameters.AddWithValue("n", (long)partitions);
        var lags = new List<(string, long)>(ProcessingProbe.Groups.Count + 1);
        foreach (var (group, topic) in ProcessingProbe.Groups)
        {
            g.Value = group;
            t.Value = topic;
            lags.Add((group, (long)lag.ExecuteScalar()!));
        }

        using var outbox = new NpgsqlCommand("SELECT COALESCE(SUM(count), 0) FROM outbox", _connection);
        lags.Add(("outbox", (long)outbox.ExecuteScalar()!));
        return lags;
    }

    public void Dispose()
    {
        _reflected.Dispose();
        _notFinal.Dispose();
        _connection.Dispose();
    }

    private NpgsqlCommand Prepare(string sql, string customer)
    {
        var command = new NpgsqlCommand(sql, _connection);
        command.Parameters.AddWithValue("c", customer);
        return command;
    }
}

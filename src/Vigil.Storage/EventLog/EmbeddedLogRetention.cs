using Dapper;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Vigil.Domain;
using Vigil.Storage.Writes;

namespace Vigil.Storage.EventLog;

/// <summary>
/// Removes embedded-log messages older than <see cref="EventLogOptions.Retention"/> that every consumer group of their
/// topic has committed past, so the log table does not grow without bound. It works from the oldest messages forward,
/// a bounded slice per write job, so the writer is never held for long; a consumer group that stops advancing keeps
/// its messages (and everything after them in the slice) until it moves on.
/// </summary>
public sealed class EmbeddedLogRetention(
    GroupCommitter writer, IOptions<EventLogOptions> options, TimeProvider clock, ILogger<EmbeddedLogRetention> logger) : BackgroundService
{
    public const int SliceSize = 50_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RetentionCheckInterval, clock);
        do
        {
            try
            {
                var removed = await TrimAsync(stoppingToken);
                if (removed > 0)
                {
                    logger.LogInformation("Removed {Count} log messages older than {Retention}", removed, options.Value.Retention);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Log retention failed; it will be tried again");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    /// <summary>Removes every expired, fully consumed message; returns how many.</summary>
    public async Task<long> TrimAsync(CancellationToken cancellationToken)
    {
        var cutoff = EventTime.ToMicros(clock.GetUtcNow() - options.Value.Retention);
        long total = 0;
        while (true)
        {
            var (removed, more) = await writer.WriteAsync(ctx => TrimSlice(ctx, cutoff), cancellationToken);
            total += removed;
            if (!more || removed == 0)
            {
                return total;
            }
        }
    }

    /// <summary>Looks at the oldest <see cref="SliceSize"/> messages and deletes the contiguous runs of removable ones.</summary>
    private static (int Removed, bool More) TrimSlice(WriteContext ctx, long cutoff)
    {
        // What each group still needs: its committed offset per partition, or everything of a partition of its topic
        // it has not committed yet (it will read that partition from the start).
        var offsets = ctx.Connection.Query<(string Group, string Topic, long Partition, long Next)>(
            "SELECT group_id, topic, partition, next_offset FROM consumer_offsets", transaction: ctx.Transaction).ToList();
        var groupsByTopic = offsets.GroupBy(o => o.Topic).ToDictionary(g => g.Key, g => g.Select(o => o.Group).Distinct().ToList());
        var committed = offsets.ToDictionary(o => (o.Group, o.Topic, (int)o.Partition), o => o.Next);
        long Needed(string topic, int partition) => groupsByTopic.TryGetValue(topic, out var groups)
            ? groups.Min(g => committed.GetValueOrDefault((g, topic, partition)))
            : long.MaxValue;

        var oldest = ctx.Connection.Query<(long Seq, string Topic, long Partition, long AppendedAt)>(
            "SELECT seq, topic, partition, appended_at FROM log ORDER BY seq LIMIT @slice", new { slice = SliceSize }, ctx.Transaction).ToList();

        var delete = ctx.Statement("log.delete-range", "DELETE FROM log WHERE seq BETWEEN ?1 AND ?2");
        var removed = 0;
        long? runStart = null, runEnd = null;
        foreach (var row in oldest)
        {
            var removable = row.AppendedAt < cutoff && row.Seq < Needed(row.Topic, (int)row.Partition);
            if (removable)
            {
                runStart ??= row.Seq;
                runEnd = row.Seq;
                removed++;
            }
            else if (runStart is not null)
            {
                delete.Bind(1, runStart.Value).Bind(2, runEnd!.Value).Execute();
                runStart = null;
            }
        }

        if (runStart is not null)
        {
            delete.Bind(1, runStart.Value).Bind(2, runEnd!.Value).Execute();
        }

        return (removed, oldest.Count == SliceSize);
    }
}

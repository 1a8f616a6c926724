using System.Diagnostics;
using Vigil.Domain.Log;
using Vigil.Observability;
using Vigil.Processing.Alerts;
using Vigil.Storage.EventLog;
using Vigil.Storage.Live;
using Vigil.Storage.Alerts;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// The analyze role: one consumer group on <c>readings.enriched</c> whose batch runs every analysis stage (window
/// aggregates, NEWS2 and its alert, threshold alerts, personal baselines and anomaly alerts) on messages decoded once, and commits their effects with one
/// offset. One group rather than one per stage: each stage would otherwise decode every message again and spend a
/// write job and an offset commit of its own on the single writer, and the stages would drift apart in time.
/// </summary>
public sealed class Analyzer(
    IEventLog log, Writers writers, TimeProvider clock, WindowAggregator windows, News2Scorer news2, ThresholdEvaluator thresholds,
    BaselineTracker baselines, PatientChanges changes, ILogger<Analyzer> logger)
    : LogConsumerService(log, writers.For(Group), clock, logger)
{
    public const string Group = "analyze";

    protected override string GroupId => Group;

    protected override IReadOnlyList<string> Topics => [Domain.Log.Topics.ReadingsEnriched];

    protected override void Reassigned()
    {
        windows.Forget();
        baselines.Forget();
    }

    protected override void Handle(WriteContext ctx, IReadOnlyList<ConsumedMessage> messages) => Plan(messages)(ctx);

    /// <summary>Decodes the round's messages before its job reaches the writer, which then only reads and writes state.</summary>
    protected override Action<WriteContext> Plan(IReadOnlyList<ConsumedMessage> messages)
    {
        var readings = new EnrichedReading[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            readings[i] = EnrichedReading.Decode(messages[i].Payload);
        }

        return ctx => Handle(ctx, readings);
    }

    private void Handle(WriteContext ctx, EnrichedReading[] readings)
    {
        // The threshold and NEWS2 stages observe every patient's alert conditions: read them all at once.
        AlertStore.Prefetch(ctx, readings.Select(r => (r.CustomerId, r.PatientId)));
        // Before the windows: a baseline read from the store counts its open minute from the stored 1m aggregate.
        baselines.Apply(ctx, readings);
        var started = Stopwatch.GetTimestamp();
        windows.Apply(ctx, readings);
        var windowed = Stopwatch.GetTimestamp();
        news2.Apply(ctx, readings);
        var scored = Stopwatch.GetTimestamp();
        thresholds.Apply(ctx, readings);
        StageMetrics.Timed("window", Stopwatch.GetElapsedTime(started, windowed));
        StageMetrics.Timed("news2", Stopwatch.GetElapsedTime(windowed, scored));
        StageMetrics.Timed("alert", Stopwatch.GetElapsedTime(scored));
        // One announcement per round for the live views (the dashboard), delivered on commit.
        if (!changes.Publishes(ctx))
        {
            return;
        }

        var patients = new HashSet<(string CustomerId, string PatientId)>();
        foreach (var r in readings)
        {
            patients.Add((r.CustomerId, r.PatientId));
        }

        changes.Publish(ctx, patients);
    }
}

using System.Collections.Concurrent;
using System.Text.Json;
using Vigil.Domain.Log;
using Vigil.Domain.Scoring;
using Vigil.Storage.EventLog;
using Vigil.Storage.Writes;

namespace Vigil.Processing.Analysis;

/// <summary>
/// The NEWS2 part of the analyze role. For every patient a batch of enriched readings touches with a NEWS2 parameter,
/// it scores the readings stored for that patient within 60 minutes (event time) before their newest NEWS2 reading,
/// on the patient's SpO2 scale, and records the score when it differs from the patient's latest one. Scoring what is
/// stored rather than what arrived makes a late reading yield the correct current score, and a batch that is rolled
/// back and handled again computes the same thing: this service keeps no state of its own.
/// </summary>
public sealed class News2Scorer(IEventLog log, GroupCommitter writer, TimeProvider clock, ILogger<News2Scorer> logger)
    : LogConsumerService(log, writer, clock, logger)
{
    public const string Group = "analyze-news2";

    private readonly ConcurrentDictionary<(string CustomerId, string ReadingId), TaskCompletionSource> _waiters = new();

    protected override string GroupId => Group;

    protected override IReadOnlyList<string> Topics => [Domain.Log.Topics.ReadingsEnriched];

    /// <summary>
    /// Completes once the enriched message of reading <paramref name="readingId"/> has been handled and committed. Call it
    /// before the reading is sent: only messages handled after the call complete it. For tests and diagnostics; nothing
    /// is kept when no one waits.
    /// </summary>
    public Task WhenHandled(string customerId, string readingId) =>
        _waiters.GetOrAdd((customerId, readingId), static _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    protected override void Handle(WriteContext ctx, IReadOnlyList<ConsumedMessage> messages)
    {
        // Per patient, the SpO2 scale of the last message: the patient's reference data as of the newest reading.
        var touched = new Dictionary<(string CustomerId, string PatientId), int>();
        var handled = new List<(string CustomerId, string ReadingId)>(messages.Count);
        foreach (var message in messages)
        {
            var body = Envelope.Decode(message.Payload).Body;
            var customerId = body.GetProperty("customerId").GetString()!;
            handled.Add((customerId, body.GetProperty("id").GetString()!));
            if (News2ReadingWindow.Types.Contains(body.GetProperty("type").GetString()!))
            {
                touched[(customerId, body.GetProperty("patientId").GetString()!)] = Spo2Scale(body);
            }
        }

        if (touched.Count > 0)
        {
            var window = new News2ReadingWindow(ctx, touched.Keys);
            foreach (var ((customerId, patientId), scale) in touched)
            {
                var score = News2Calculator.Calculate(window.For(customerId, patientId), scale);
                if (score.At is not null)
                {
                    News2ScoreStore.AddIfChanged(ctx, customerId, patientId, score);
                }
            }
        }

        if (!_waiters.IsEmpty)
        {
            ctx.OnCommitted(() =>
            {
                foreach (var key in handled)
                {
                    if (_waiters.TryRemove(key, out var waiter))
                    {
                        waiter.TrySetResult();
                    }
                }
            });
        }
    }

    private static int Spo2Scale(JsonElement body) =>
        body.TryGetProperty("patient", out var patient) && patient.TryGetProperty("spo2Scale", out var scale) && scale.TryGetInt32(out var s) && s is 1 or 2
            ? s
            : 1;
}

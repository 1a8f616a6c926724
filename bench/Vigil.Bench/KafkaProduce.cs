using System.Diagnostics;
using Confluent.Kafka;
using Vigil.Domain.Log;
using Vigil.Domain.Readings;
using Vigil.Kafka;
using Vigil.Storage.Readings;

namespace Vigil.Bench;

/// <summary>
/// The distributed mode's Kafka reference: the messages Vigil's outbox relay sends for the HTTP load's readings, sent
/// by a plain producer. Each reading becomes its <c>readings.raw</c> envelope (<see cref="ReadingStore.RawMessage"/>) in
/// an outbox frame (<see cref="OutboxFrame.Encode"/>), keyed and partitioned as Vigil keys it (patient key,
/// <see cref="KeyPartitioner"/>, <c>--partitions</c>), produced with Vigil's own producer settings
/// (<see cref="KafkaEventLog.ProducerConfig"/>: acks=all, one request in flight) by one producer, as the relay does,
/// <c>--batch</c> messages at a time, each batch waited for until every delivery is reported. Messages per second
/// acknowledged by the broker in the measured window.
/// </summary>
public static class KafkaProduce
{
    public static async Task<int> RunAsync(Options options)
    {
        var kafka = new KafkaOptions { Bootstrap = options.Get("bootstrap"), Prefix = options.Get("prefix", "bench-raw-") };
        foreach (var pair in options.Get("client-config", "").Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            kafka.Config[pair[..eq].Trim()] = pair[(eq + 1)..].Trim();
        }

        var seconds = options.Double("seconds", 20);
        var warmup = options.Double("warmup", 5);
        var batch = options.Int("batch", 1000);
        var patients = options.Int("patients", 200);
        var partitions = options.Int("partitions", 12);
        var topic = kafka.TopicName(Topics.ReadingsRaw);
        var random = new Random(42);
        var tag = "k" + Convert.ToHexStringLower(BitConverter.GetBytes(Random.Shared.Next()));
        var now = DateTimeOffset.UtcNow;
        var patientIds = Enumerable.Range(0, patients).Select(ReadingBatch.PatientId).ToArray();

        using var producer = new ProducerBuilder<string, byte[]>(KafkaEventLog.ProducerConfig(kafka)).Build();
        long sequence = 0, measured = 0, bytes = 0;
        var batchMs = new List<double>();
        var clock = Stopwatch.StartNew();
        double measureStart = -1, measureEnd = 0;
        var firstError = (string?)null;
        while (clock.Elapsed.TotalSeconds < warmup + seconds)
        {
            var started = clock.Elapsed.TotalSeconds;
            var pending = batch;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var failed = 0;
            Action<DeliveryReport<string, byte[]>> reported = report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, report.Error.Reason, null);
                }

                if (Interlocked.Decrement(ref pending) == 0)
                {
                    done.TrySetResult();
                }
            };
            var receivedAt = DateTimeOffset.UtcNow;
            for (var i = 0; i < batch; i++)
            {
                var reading = new Reading($"{tag}-{sequence++:D12}", patientIds[random.Next(patients)], null, VitalTypes.HeartRate,
                    random.Next(60, 101), null, ReadingBatch.ObservedAt(now, random));
                var message = ReadingStore.RawMessage("bench", reading, receivedAt, null);
                var value = OutboxFrame.Encode(sequence, i, message.Payload);
                bytes += value.Length;
                producer.Produce(new TopicPartition(topic, new Partition(KeyPartitioner.PartitionFor(message.Key, partitions))),
                    new Message<string, byte[]> { Key = message.Key, Value = value }, reported);
            }

            await done.Task.WaitAsync(TimeSpan.FromSeconds(60));
            var finished = clock.Elapsed.TotalSeconds;
            if (started < warmup)
            {
                // The warm-up may meet a topic the broker is still creating; the measured window may not.
                continue;
            }

            if (failed > 0)
            {
                throw new BenchException($"{failed} of {batch} messages were not delivered: {firstError}");
            }

            if (measureStart < 0)
            {
                measureStart = started;
            }

            measureEnd = finished;
            measured += batch;
            batchMs.Add((finished - started) * 1000);
        }

        if (measured == 0)
        {
            throw new BenchException("no batch completed in the measured window");
        }

        batchMs.Sort();
        var elapsed = measureEnd - measureStart;
        Report.Line("kafka-produce",
            ("messages", measured), ("seconds", elapsed), ("messages_per_s", measured / elapsed), ("batch", batch),
            ("partitions", partitions), ("mean_bytes", bytes / sequence), ("batch_p50_ms", Percentiles.Of(batchMs, 50)),
            ("batch_p99_ms", Percentiles.Of(batchMs, 99)), ("topic", topic));
        return 0;
    }
}

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Vigil.Domain.Readings;
using Vigil.Storage.EventLog;
using Vigil.Storage.Migrations;
using Vigil.Storage.Readings;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;
using Dapper;

namespace Vigil.Storage.Tests.Readings;

/// <summary>
/// A patient's readings come back complete and in event-time order whether they are already in the by-patient index,
/// still in the table's unindexed tail, or split between the two, across pages and filters.
/// </summary>
public sealed class ReadingQueryTests : IAsyncDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 21, 8, 0, 0, TimeSpan.Zero);

    private readonly TempDirectory _dir = new();
    private readonly SqliteDatabase _db;
    private readonly GroupCommitter _writer;
    private readonly ReadingIndexer _indexer;
    private readonly ReadingStore _store;
    private readonly List<(Reading Reading, long Order)> _written = [];
    private int _next;

    public ReadingQueryTests()
    {
        _db = new SqliteDatabase(_dir.Path);
        using (var c = _db.Open())
        {
            Migrator.Migrate(c, Migration.Embedded("sqlite"));
            c.Execute("INSERT INTO customers (id, name, created_at, updated_at) VALUES ('c', 'C', 0, 0)");
            foreach (var p in new[] { "a", "b", "c" })
            {
                c.Execute("INSERT INTO patients (customer_id, id, name, spo2_scale, status, created_at, updated_at) VALUES ('c', @p, 'n', 1, 'active', 0, 0)", new { p });
            }
        }

        _writer = new GroupCommitter(_db.Open, TimeProvider.System, NullLogger<GroupCommitter>.Instance);
        // A batch size the tests never reach, so indexing happens exactly when a test asks for it.
        _indexer = new ReadingIndexer(_db, _writer, NullLogger<ReadingIndexer>.Instance, batchSize: int.MaxValue);
        _store = new ReadingStore(_db, new EmbeddedEventLog(_db, Options.Create(new EventLogOptions { Partitions = 2 })), _indexer);
    }

    [Fact]
    public async Task Readings_only_in_the_unindexed_tail_are_returned_in_event_time_order()
    {
        await IngestAsync(40);

        (await ReadAllAsync("a", null, pageSize: 7)).ShouldBe(Expected("a", null));
        _indexer.Pending.ShouldBe(40);
    }

    [Fact]
    public async Task Readings_split_between_the_index_and_the_tail_come_back_once_each_in_order_across_pages()
    {
        await IngestAsync(60);
        (await _indexer.IndexPendingAsync(TestContext.Current.CancellationToken)).ShouldBe(60);
        _indexer.Pending.ShouldBe(0);
        await IngestAsync(45); // the tail interleaves in event time with what is indexed

        foreach (var patient in new[] { "a", "b", "c" })
        {
            foreach (var type in new VitalType?[] { null, VitalTypes.HeartRate, VitalTypes.Spo2 })
            {
                foreach (var pageSize in new[] { 1, 4, 1000 })
                {
                    (await ReadAllAsync(patient, type, pageSize)).ShouldBe(Expected(patient, type), $"{patient} {type} page {pageSize}");
                }
            }
        }
    }

    [Fact]
    public async Task A_time_range_selects_the_same_readings_from_the_index_and_the_tail()
    {
        await IngestAsync(50);
        await _indexer.IndexPendingAsync(TestContext.Current.CancellationToken);
        await IngestAsync(50);
        var from = T0.AddMinutes(10);
        var to = T0.AddMinutes(30);

        var (items, next) = await _store.QueryAsync("c", "b", null, from, to, null, 10_000, TestContext.Current.CancellationToken);

        next.ShouldBeNull();
        items.Select(i => i.Reading.Id).ShouldBe(Expected("b", null).Where(id => At(id) >= from && At(id) < to));
    }

    [Fact]
    public async Task Indexing_twice_adds_nothing_the_second_time_and_survives_a_restart()
    {
        await IngestAsync(30);
        await _indexer.IndexPendingAsync(TestContext.Current.CancellationToken);

        (await _indexer.IndexPendingAsync(TestContext.Current.CancellationToken)).ShouldBe(0);
        await IngestAsync(5);
        new ReadingIndexer(_db, _writer, NullLogger<ReadingIndexer>.Instance).Pending.ShouldBe(5);
        using var c = _db.Open();
        c.ExecuteScalar<long>("SELECT COUNT(*) FROM readings_by_patient").ShouldBe(30);
    }

    [Fact]
    public async Task Enough_waiting_readings_start_an_index_job_by_themselves()
    {
        var indexer = new ReadingIndexer(_db, _writer, NullLogger<ReadingIndexer>.Instance, batchSize: 20);
        var store = new ReadingStore(_db, new EmbeddedEventLog(_db, Options.Create(new EventLogOptions { Partitions = 2 })), indexer);

        await IngestAsync(25, store);

        // The job was started by the commit that took the waiting readings past the batch size.
        await indexer.Current.WaitAsync(TestContext.Current.CancellationToken);
        indexer.Pending.ShouldBe(0);

        using var c = _db.Open();
        c.ExecuteScalar<long>("SELECT COUNT(*) FROM readings_by_patient").ShouldBe(25);
    }

    /// <summary>Ingests <paramref name="count"/> readings over three patients, event times shuffled, in requests of 9.</summary>
    private async Task IngestAsync(int count, ReadingStore? store = null)
    {
        store ??= _store;
        var random = new Random(count + _next);
        var readings = Enumerable.Range(0, count).Select(_ =>
        {
            var n = _next++;
            var type = n % 3 == 0 ? VitalTypes.Spo2 : VitalTypes.HeartRate;
            // Coarse times so that several readings share an instant and the seq tie-break matters.
            var at = T0.AddMinutes(random.Next(0, 40));
            return new Reading($"r{n:D5}", new[] { "a", "b", "c" }[random.Next(3)], null, type, 90, null, at);
        }).ToList();
        foreach (var chunk in readings.Chunk(9))
        {
            var batch = ReadingStore.Prepare("c", chunk, DateTimeOffset.UtcNow, null);
            await _writer.WriteAsync(ctx => store.Ingest(ctx, batch), TestContext.Current.CancellationToken);
            _written.AddRange(chunk.Select(r => (r, (long)_written.Count)));
        }
    }

    private List<string> Expected(string patient, VitalType? type) => _written
        .Where(w => w.Reading.PatientId == patient && (type is null || w.Reading.Type == type))
        .OrderBy(w => w.Reading.ObservedAt).ThenBy(w => w.Order)
        .Select(w => w.Reading.Id).ToList();

    private DateTimeOffset At(string id) => _written.Single(w => w.Reading.Id == id).Reading.ObservedAt;

    private async Task<List<string>> ReadAllAsync(string patient, VitalType? type, int pageSize)
    {
        var ids = new List<string>();
        ReadingCursor? cursor = null;
        do
        {
            var (items, next) = await _store.QueryAsync("c", patient, type, null, null, cursor, pageSize, TestContext.Current.CancellationToken);
            items.Count.ShouldBeLessThanOrEqualTo(pageSize);
            ids.AddRange(items.Select(i => i.Reading.Id));
            cursor = next;
        }
        while (cursor is not null);

        return ids;
    }

    public async ValueTask DisposeAsync()
    {
        await _writer.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}

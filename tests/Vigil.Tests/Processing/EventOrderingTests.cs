using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Domain.Log;
using Vigil.Storage.EventLog;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>
/// One patient's events are handled one at a time in order; different patients' at the same time, also when a handler
/// is slow and also when the patients share a partition. Proven by the order of the test handler's recorded starts and
/// ends, not by timing: each patient's first event waits for the other patient's first event to start, which a
/// processor that runs them one after another can never let happen.
/// </summary>
public sealed class EventOrderingTests(EventServerFixture fixture) : IClassFixture<EventServerFixture>
{
    private const int EventsPerPatient = 4;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private int Partitions => fixture.Server.Services.GetRequiredService<IEventLog>().PartitionCount(Topics.Events);

    private int PartitionOf(string customerId, string patientId) => KeyPartitioner.PartitionFor(Keys.Patient(customerId, patientId), Partitions);

    /// <summary>Two patient ids of the customer whose events land in the same partition (or in different ones).</summary>
    private (string First, string Second) PatientPair(string customerId, bool samePartition)
    {
        var first = "pat-0";
        for (var i = 1; ; i++)
        {
            var second = $"pat-{i}";
            if ((PartitionOf(customerId, first) == PartitionOf(customerId, second)) == samePartition)
            {
                return (first, second);
            }
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Two_patients_events_overlap_while_each_patients_own_run_one_at_a_time_in_order(bool samePartition)
    {
        using var tenant = await Tenant.CreateAsync(fixture.Server, $"ev-order-{samePartition}-{Guid.NewGuid().ToString("N")[..6]}");
        var (a, b) = PatientPair(tenant.Id, samePartition);
        (PartitionOf(tenant.Id, a) == PartitionOf(tenant.Id, b)).ShouldBe(samePartition);
        foreach (var patient in new[] { a, b })
        {
            (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = patient, name = patient })).StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        var ids = new[] { a, b }.ToDictionary(p => p, p => Enumerable.Range(1, EventsPerPatient).Select(i => $"{p}-e{i}").ToList());
        var handled = ids.Values.SelectMany(list => list).Select(id => fixture.Processor.WhenHandled(tenant.Id, id)).ToList();
        var ts = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
        foreach (var (patient, other) in new[] { (a, b), (b, a) })
        {
            // All of a patient's events in one request, A's before B's: in a shared partition B's sit behind A's.
            var events = ids[patient].Select((id, i) => new
            {
                eventId = id, patientId = patient, type = "test_slow", ts,
                data = (object)(i == 0 ? new { waitFor = ids[other][0] } : new { }),
            });
            (await tenant.Device.PostJsonAsync("/api/v1/events", events)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        }

        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(60), Ct);

        fixture.HandlerLog.TimedOut.Where(t => t.CustomerId == tenant.Id)
            .ShouldBeEmpty("each patient's first event saw the other patient's first event start while it ran");
        var edges = fixture.HandlerLog.Of(tenant.Id);
        long Seq(string eventId, string kind) => edges.Single(e => e.EventId == eventId && e.Kind == kind).Sequence;

        // Overlap across patients: each first event started before the other one ended.
        Seq(ids[a][0], "start").ShouldBeLessThan(Seq(ids[b][0], "end"));
        Seq(ids[b][0], "start").ShouldBeLessThan(Seq(ids[a][0], "end"));

        // Within a patient: one at a time, in posted order.
        foreach (var (patient, list) in ids)
        {
            edges.Where(e => e.PatientId == patient && e.Kind == "start").Select(e => e.EventId).ShouldBe(list, $"{patient}'s events start in posted order");
            for (var i = 0; i + 1 < list.Count; i++)
            {
                Seq(list[i], "end").ShouldBeLessThan(Seq(list[i + 1], "start"), $"{list[i]} ends before {list[i + 1]} starts");
            }
        }
    }
}

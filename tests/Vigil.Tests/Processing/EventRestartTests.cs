using System.Net;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Domain.Log;
using Vigil.Processing.Events;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>
/// A server stopped while patients' events are in flight; the next one on the same data directory takes over. The
/// group's offset of a partition stays at its lowest unfinished event, so events already processed behind it are
/// handed out again: each must still take effect exactly once.
/// </summary>
public sealed class EventRestartTests
{
    private const string Customer = "ev-restart";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Four patients, the first two sharing a partition; A's events go before B's.</summary>
    private static string[] Patients(int partitions)
    {
        int Partition(string id) => KeyPartitioner.PartitionFor(Keys.Patient(Customer, id), partitions);
        var b = Enumerable.Range(1, 1000).Select(i => $"pt-{i}").First(id => Partition(id) == Partition("pt-0"));
        return ["pt-0", b, "pt-x", "pt-y"];
    }

    private static object[] Stream(string patient)
    {
        var ts = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O");
        object Event(string suffix, string type, object data) => new { eventId = $"{patient}-{suffix}", patientId = patient, type, data, ts };
        return
        [
            Event("adm", "admission", new { departmentId = "icu" }),
            Event("tr1", "transfer", new { departmentId = "ward" }),
            Event("hold", "test_hold", new { }),
            Event("tr2", "transfer", new { departmentId = "icu" }),
            Event("dis", "discharge", new { }),
        ];
    }

    [Fact]
    public async Task Events_in_flight_at_a_stop_are_processed_by_the_next_server_and_none_takes_effect_twice()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "vigil-ev-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            var hold = new HoldHandler(hold: true);
            string[] patients;
            await using (var first = await VigilServer.StartAsync(dataDir, b => b.Services.AddSingleton<IEventHandler>(hold)))
            {
                patients = Patients(first.Services.GetRequiredService<Storage.EventLog.IEventLog>().PartitionCount(Topics.Events));
                using var admin = first.Client(await first.CreateCustomerAsync(Customer));
                foreach (var department in new[] { "icu", "ward" })
                {
                    (await admin.PostJsonAsync($"/api/v1/customers/{Customer}/departments", new { id = department, name = department })).StatusCode.ShouldBe(HttpStatusCode.Created);
                }

                foreach (var patient in patients)
                {
                    (await admin.PostJsonAsync("/api/v1/patients", new { id = patient, name = patient })).StatusCode.ShouldBe(HttpStatusCode.Created);
                }

                foreach (var patient in patients)
                {
                    (await admin.PostJsonAsync("/api/v1/events", Stream(patient))).StatusCode.ShouldBe(HttpStatusCode.Accepted);
                }

                // Every patient is held at its third event: the first two are processed, the rest wait.
                await Task.WhenAll(patients.Select(p => hold.HeldFor(p).Task)).WaitAsync(TimeSpan.FromSeconds(30), Ct);
            }

            // B's processed events sit behind A's held one in their shared partition, so the group's offset is before them.
            Offset($"{patients[0]}-hold").ShouldBeLessThan(Offset($"{patients[1]}-adm"));
            Committed(Offset($"{patients[0]}-hold")).ShouldBe(Offset($"{patients[0]}-hold"));
            Status($"{patients[1]}-tr1").ShouldBe("processed");

            await using (var second = await VigilServer.StartAsync(dataDir, b => b.Services.AddSingleton<IEventHandler>(new HoldHandler(hold: false))))
            {
                var processor = second.Services.GetRequiredService<EventProcessor>();
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                foreach (var (partition, last) in Query<(long, long)>("SELECT partition, MAX(seq) FROM log WHERE topic = 'events' GROUP BY partition"))
                {
                    await processor.ProcessedAsync(Topics.Events, (int)partition, last, timeout.Token);
                }
            }

            Query<string>($"SELECT DISTINCT status FROM events WHERE customer_id = '{Customer}'").ShouldBe(["processed"]);
            foreach (var patient in patients)
            {
                // One change at creation, then one per admission, transfer and discharge: none doubled by the redelivery.
                Query<long>($"SELECT COUNT(*) FROM log WHERE topic = 'reference.changes' AND key = '{Customer}/{patient}'").Single().ShouldBe(5, patient);
                Query<(string, string)>($"SELECT status, department_id FROM patients WHERE customer_id = '{Customer}' AND id = '{patient}'")
                    .Single().ShouldBe(("discharged", "icu"));
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(dataDir, recursive: true);
        }

        long Offset(string eventId) => Query<long>(
            $"SELECT seq FROM log WHERE topic = 'events' AND json_extract(CAST(payload AS TEXT), '$.body.eventId') = '{eventId}'").Single();

        long Committed(long offset) => Query<long>(
            $"""
            SELECT next_offset FROM consumer_offsets
            WHERE group_id = 'process' AND topic = 'events' AND partition = (SELECT partition FROM log WHERE seq = {offset})
            """).SingleOrDefault();

        string Status(string eventId) => Query<string>($"SELECT status FROM events WHERE customer_id = '{Customer}' AND event_id = '{eventId}'").Single();

        List<T> Query<T>(string sql)
        {
            using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "vigil.db")};Mode=ReadOnly;Pooling=False");
            connection.Open();
            return Dapper.SqlMapper.Query<T>(connection, sql).ToList();
        }
    }
}

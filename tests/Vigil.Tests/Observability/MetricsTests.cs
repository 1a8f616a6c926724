using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Analysis;
using Vigil.Processing.Enrichment;
using Vigil.Tests.Fhir;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Observability;

/// <summary>
/// <c>/metrics</c> on a real server after real ingest, in both modes: Debian's <c>promtool check metrics</c> accepts it,
/// the ingest counters move by exactly what was sent, and a real Prometheus server scrapes it.
/// </summary>
public abstract class MetricsTests(ServerFixture fixture)
{
    private const string Accepted = "vigil_ingest_readings_total{interface=\"http\",outcome=\"accepted\"}";
    private const string Duplicate = "vigil_ingest_readings_total{interface=\"http\",outcome=\"duplicate\"}";
    private const string FhirAccepted = "vigil_ingest_readings_total{interface=\"fhir\",outcome=\"accepted\"}";
    private const string FhirDuplicate = "vigil_ingest_readings_total{interface=\"fhir\",outcome=\"duplicate\"}";
    private const string Rejected = "vigil_ingest_readings_total{interface=\"http\",outcome=\"rejected\"}";

    private static readonly DateTimeOffset T = DateTimeOffset.UtcNow.AddMinutes(-10);

    private T Member<T>() where T : class => fixture.Server.Services.GetServices<IHostedService>().OfType<T>().Single();

    private static object Reading(string id, int minute, double value) =>
        new { id, patientId = "p", deviceId = "d", type = "heart_rate", value, observedAt = T.AddMinutes(minute).ToString("O") };

    /// <summary>Posts readings and waits until the analyze role has committed each of them.</summary>
    private async Task PostAndWaitAsync(Tenant tenant, params object[] readings)
    {
        var ids = readings.Select(r => (string)r.GetType().GetProperty("id")!.GetValue(r)!).ToList();
        var analyzed = ids.Select(id => Member<Analyzer>().WhenHandled(tenant.Id, id)).ToList();
        (await tenant.Device.PostJsonAsync("/api/v1/readings", readings)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(analyzed).WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
    }

    [Fact]
    public async Task Metrics_pass_promtool_after_real_ingest_and_the_ingest_counters_move_by_exactly_what_was_sent()
    {
        using var tenant = await Tenant.CreateAsync(fixture.Server, "metrics-" + Guid.NewGuid().ToString("N")[..6]);
        var before = await Scrape.ReadAsync(fixture.Server);

        await PostAndWaitAsync(tenant, Reading("m1", 0, 72), Reading("m2", 1, 74), Reading("m3", 2, 180));
        // The same three again: idempotent resends.
        (await tenant.Device.PostJsonAsync("/api/v1/readings", new[] { Reading("m1", 0, 72), Reading("m2", 1, 74), Reading("m3", 2, 180) }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        // Two readings refused as a whole (one has no value): nothing of them is stored.
        (await tenant.Device.PostJsonAsync("/api/v1/readings", new object[]
        {
            Reading("m4", 3, 70), new { id = "m5", patientId = "p", type = "heart_rate", observedAt = T.ToString("O") },
        })).StatusCode.ShouldBe((HttpStatusCode)422);
        (await tenant.Admin.Get("/api/v1/patients/p/readings")).StatusCode.ShouldBe(HttpStatusCode.OK);
        // One FHIR Observation, sent twice: one accepted and one duplicate on the fhir interface.
        var observation = Fhir.Fhir.Observation("8867-4", Fhir.Fhir.Quantity(72, "/min"), extra: ""","id":"fhir-m1","device":{"reference":"Device/d"}""");
        var fhirAnalyzed = Member<Analyzer>().WhenHandled(tenant.Id, "fhir-m1");
        (await tenant.Device.PostFhirAsync("/fhir/Observation", observation)).StatusCode.ShouldBe(HttpStatusCode.Created);
        await fhirAnalyzed.WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
        (await tenant.Device.PostFhirAsync("/fhir/Observation", observation)).StatusCode.ShouldBe(HttpStatusCode.OK);

        // One clinical event, handled by the process stage.
        var handled = Member<Vigil.Processing.Events.EventProcessor>().WhenHandled(tenant.Id, "ev-m1");
        (await tenant.Device.PostJsonAsync("/api/v1/events", new { eventId = "ev-m1", patientId = "p", type = "note", ts = T.ToString("O"), data = new { text = "x" } }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await handled.WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);

        var after = await Scrape.ReadAsync(fixture.Server);
        (after[Accepted] - before[Accepted]).ShouldBe(3);
        (after[Duplicate] - before[Duplicate]).ShouldBe(3);
        (after[Rejected] - before[Rejected]).ShouldBe(2);
        (after[FhirAccepted] - before[FhirAccepted]).ShouldBe(1);
        (after["vigil_ingest_events_total{outcome=\"accepted\"}"] - before["vigil_ingest_events_total{outcome=\"accepted\"}"]).ShouldBe(1);
        (after["vigil_stage_messages_total{stage=\"process\"}"] - before["vigil_stage_messages_total{stage=\"process\"}"]).ShouldBe(1);
        (after[FhirDuplicate] - before[FhirDuplicate]).ShouldBe(1);

        var (exit, output) = await PrometheusTools.CheckMetricsAsync(after.Text);
        exit.ShouldBe(0, output);
        output.Trim().ShouldBeEmpty();

        // Request latency is labelled by route template, never by the path a patient id is in.
        after.Series("http_server_request_duration_seconds_count")
            .ShouldContain(s => s.Contains("http_route=\"/api/v1/patients/{patientId}/readings\"") && s.Contains("http_response_status_code=\"200\""));
        after.Samples.Keys.ShouldNotContain(k => k.Contains("/patients/p/"));
        after.Series("http_server_request_duration_seconds_count")
            .ShouldContain(s => s.Contains("http_route=\"/api/v1/readings\"") && s.Contains("http_response_status_code=\"202\""));

        // The pipeline's own figures: appends to the raw topic, the stages' latency, lag per group and partition.
        after.Series("vigil_log_appends_total").Where(s => s.Contains("topic=\"readings.raw\"")).Sum(s => after[s] - before[s]).ShouldBe(4);
        after.Series("vigil_log_appends_total").Where(s => s.Contains("topic=\"readings.enriched\"")).Sum(s => after[s] - before[s]).ShouldBe(4);
        foreach (var stage in new[] { "enrich", "analyze", "window", "news2", "alert" })
        {
            after[$"vigil_stage_duration_seconds_count{{stage=\"{stage}\"}}"].ShouldBeGreaterThan(before[$"vigil_stage_duration_seconds_count{{stage=\"{stage}\"}}"]);
        }

        // Gauges read from the database are cached for two seconds: the lag of the groups committed since shows within that.
        var lag = await ScrapeUntilAsync(m => m.Series("vigil_log_consumer_lag_messages").Any(s => s.Contains("group=\"analyze\"") && s.Contains("topic=\"readings.enriched\"")));
        lag.Series("vigil_log_consumer_lag_messages").Where(s => s.Contains("group=\"analyze\"")).Sum(s => lag[s]).ShouldBe(0);
        after.Series("vigil_alerts_active").Count().ShouldBe(5);
        after["vigil_dlq_depth_messages"].ShouldBeGreaterThanOrEqualTo(0);
        after["process_resident_memory_bytes"].ShouldBeGreaterThan(0);
        after["process_start_time_seconds"].ShouldBeGreaterThan(1_600_000_000);
        after["process_cpu_seconds_total"].ShouldBeGreaterThan(0);
    }

    private async Task<Scrape> ScrapeUntilAsync(Func<Scrape, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var scrape = await Scrape.ReadAsync(fixture.Server);
            if (condition(scrape) || DateTime.UtcNow > deadline)
            {
                return scrape;
            }

            await Task.Delay(100, Http.Ct);
        }
    }

    [Fact]
    public async Task A_real_Prometheus_server_scrapes_the_server_and_reports_it_up_with_the_ingest_count()
    {
        using var tenant = await Tenant.CreateAsync(fixture.Server, "scraped-" + Guid.NewGuid().ToString("N")[..6]);
        await PostAndWaitAsync(tenant, Reading("s1", 0, 70), Reading("s2", 1, 71));
        var expected = (await Scrape.ReadAsync(fixture.Server))[Accepted];
        expected.ShouldBeGreaterThanOrEqualTo(2);

        await using var prometheus = await PrometheusServer.StartAsync(fixture.Server.BaseAddress.Authority);
        var up = await prometheus.QueryUntilAsync("up{job=\"vigil\"}", v => v == 1, TimeSpan.FromSeconds(30));
        up.ShouldBe(1, prometheus.Log);
        var accepted = await prometheus.QueryUntilAsync(Accepted, v => v == expected, TimeSpan.FromSeconds(30));
        accepted.ShouldBe(expected, prometheus.Log);
    }

    [Collection(ObservabilityCollection.Name)]
    public sealed class Embedded(ServerFixture fixture) : MetricsTests(fixture), IClassFixture<ServerFixture>;

    [Collection(ObservabilityCollection.Name)]
    public sealed class Distributed(DistributedServerFixture fixture) : MetricsTests(fixture), IClassFixture<DistributedServerFixture>;
}

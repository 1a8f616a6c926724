using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Grpc;

/// <summary>
/// The vigil.v1 gRPC services called by an independent client (Debian's python3-grpcio): ingest feeds the pipeline of
/// POST /api/v1/readings (validation, idempotency, durability, tenancy), queries answer what the HTTP API answers,
/// Watch streams alert transitions, and errors come back as gRPC statuses naming the field.
/// </summary>
public abstract class GrpcTests(ServerFixture fixture)
{
    private const string IngestBatch = "/vigil.v1.IngestService/IngestBatch";
    private const string GetLatestVitals = "/vigil.v1.QueryService/GetLatestVitals";
    private const string GetAggregates = "/vigil.v1.QueryService/GetAggregates";
    private const string GetNews2 = "/vigil.v1.QueryService/GetNews2";

    private VigilServer Server => fixture.Server;

    private VigilDatabase Db => fixture.Database;

    private string Target => Server.GrpcTarget!;

    private async Task<(Tenant Tenant, string AdminKey, string DeviceKey)> TenantAsync(string name)
    {
        PythonGrpc.Require();
        var id = name + "-" + Guid.NewGuid().ToString("N")[..6];
        var tenant = await Tenant.CreateAsync(Server, id);
        return (tenant, tenant.Admin.DefaultRequestHeaders.GetValues("X-Api-Key").Single(), tenant.Device.DefaultRequestHeaders.GetValues("X-Api-Key").Single());
    }

    private static object Reading(string id, string type, double value, string observedAt, string patientId = "p", string? unit = null) =>
        unit is null
            ? new { id, patient_id = patientId, type, number = value, observed_at = observedAt }
            : new { id, patient_id = patientId, type, number = value, unit, observed_at = observedAt };

    private static string[] Ids(JsonElement response) => [.. response.GetProperty("ids").EnumerateArray().Select(i => i.GetString()!)];

    [Fact]
    public async Task IngestBatch_stores_a_batch_like_the_HTTP_API_and_a_resend_counts_as_duplicates()
    {
        var (tenant, _, device) = await TenantAsync("grpc-batch");
        using var _t = tenant;
        var batch = new
        {
            readings = new object[]
            {
                Reading("hr", "heart_rate", 72, "2026-03-01T10:00:00+01:00"),
                Reading("temp", "temperature", 98.6, "2026-03-01T10:01:00Z", unit: "[degF]"),
                new { id = "avpu", patient_id = "p", type = "consciousness", text = "V", observed_at = "2026-03-01T10:02:00Z" },
                new { patient_id = "p", code = "9279-1", number = 18.0, observed_at = "2026-03-01T10:03:00Z" },
            },
        };

        var first = (await PythonGrpc.CallAsync(Target, device, IngestBatch, batch)).Response();

        first.Int("accepted").ShouldBe(4);
        first.Int("duplicates").ShouldBe(0);
        var ids = Ids(first);
        ids.Take(3).ShouldBe(["hr", "temp", "avpu"]);
        ids[3].ShouldNotBeNullOrWhiteSpace();
        Db.Count("readings", tenant.Id).ShouldBe(4);
        Db.Log("readings.raw", $"{tenant.Id}/p").Select(m => m.Body.GetProperty("id").GetString()).ShouldBe(ids, ignoreOrder: true);
        var stored = (await (await tenant.Admin.Get("/api/v1/patients/p/readings")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items")
            .EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        stored["temp"].GetProperty("value").GetDouble().ShouldBe(37.0, 0.001);
        stored["temp"].GetProperty("unit").GetString().ShouldBe("Cel");
        stored["hr"].GetProperty("observedAt").GetDateTimeOffset().ShouldBe(DateTimeOffset.Parse("2026-03-01T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        stored["avpu"].GetProperty("value").GetString().ShouldBe("V");
        stored[ids[3]].GetProperty("type").GetString().ShouldBe("respiratory_rate");

        var again = (await PythonGrpc.CallAsync(Target, device, IngestBatch, new { readings = batch.readings.Take(3).ToArray() })).Response();

        again.Int("accepted").ShouldBe(0);
        again.Int("duplicates").ShouldBe(3);
        Db.Count("readings", tenant.Id).ShouldBe(4);
    }

    [Fact]
    public async Task An_invalid_reading_refuses_the_whole_batch_with_INVALID_ARGUMENT_naming_the_reading_field_and_reason()
    {
        var (tenant, _, device) = await TenantAsync("grpc-invalid");
        using var _t = tenant;

        var outOfRange = await PythonGrpc.CallAsync(Target, device, IngestBatch, new
        {
            readings = new[] { Reading("ok", "heart_rate", 72, "2026-03-01T10:00:00Z"), Reading("bad", "heart_rate", 900, "2026-03-01T10:00:00Z") },
        });
        var missing = await PythonGrpc.CallAsync(Target, device, IngestBatch, new { readings = new[] { new { type = "heart_rate", number = 70.0, observed_at = "2026-03-01T10:00:00Z" } } });
        // Not ASCII: grpc-message is percent-encoded UTF-8, which the client decodes.
        var unknownType = await PythonGrpc.CallAsync(Target, device, IngestBatch, new { readings = new[] { Reading("f", "fréquence", 70, "2026-03-01T10:00:00Z") } });
        var unknownPatient = await PythonGrpc.CallAsync(Target, device, IngestBatch, new { readings = new[] { Reading("g", "heart_rate", 70, "2026-03-01T10:00:00Z", "ghost") } });

        outOfRange.Code().ShouldBe("INVALID_ARGUMENT");
        outOfRange.Details().ShouldBe("readings[1].value 900 /min is outside the plausible range 0 to 350 /min");
        // The same as a google.rpc.BadRequest in grpc-status-details-bin.
        outOfRange.GetProperty("status_code").GetInt32().ShouldBe(3);
        var violation = outOfRange.GetProperty("violations").EnumerateArray().ShouldHaveSingleItem();
        violation.GetProperty("field").GetString().ShouldBe("readings[1].value");
        violation.GetProperty("description").GetString().ShouldBe("900 /min is outside the plausible range 0 to 350 /min");
        missing.Code().ShouldBe("INVALID_ARGUMENT");
        missing.Details().ShouldBe("readings[0].patient_id is required");
        unknownType.Code().ShouldBe("INVALID_ARGUMENT");
        unknownType.Details().ShouldBe("readings[0].type 'fréquence' is not a known vital type");
        unknownPatient.Code().ShouldBe("INVALID_ARGUMENT");
        unknownPatient.Details().ShouldBe("readings[0].patient_id 'ghost' is not a patient of this customer");
        Db.Count("readings", tenant.Id).ShouldBe(0);
        Db.Log("readings.raw", $"{tenant.Id}/p").ShouldBeEmpty();
    }

    [Fact]
    public async Task Calls_without_a_valid_key_are_UNAUTHENTICATED_and_roles_without_the_right_are_PERMISSION_DENIED()
    {
        var (tenant, admin, device) = await TenantAsync("grpc-auth");
        using var _t = tenant;
        var viewer = await Server.CreateKeyAsync(tenant.Id, "viewer");
        var batch = new { readings = new[] { Reading("r", "heart_rate", 70, "2026-03-01T10:00:00Z") } };

        (await PythonGrpc.CallAsync(Target, null, IngestBatch, batch)).Code().ShouldBe("UNAUTHENTICATED");
        (await PythonGrpc.CallAsync(Target, "vgl_bogus_key", IngestBatch, batch)).Code().ShouldBe("UNAUTHENTICATED");
        (await PythonGrpc.CallAsync(Target, admin[..^2] + "xx", GetNews2, new { patient_id = "p" })).Code().ShouldBe("UNAUTHENTICATED");
        var denied = await PythonGrpc.CallAsync(Target, viewer, IngestBatch, batch);
        denied.Code().ShouldBe("PERMISSION_DENIED");
        (await PythonGrpc.CallAsync(Target, device, GetLatestVitals, new { patient_id = "p" })).Code().ShouldBe("PERMISSION_DENIED");
        // The system key belongs to no customer: it administers, it does not see or send patients' data.
        (await PythonGrpc.CallAsync(Target, Server.AdminKey, GetLatestVitals, new { patient_id = "p" })).Code().ShouldBe("PERMISSION_DENIED");
        Db.Count("readings", tenant.Id).ShouldBe(0);
        (await PythonGrpc.CallAsync(Target, viewer, GetLatestVitals, new { patient_id = "p" })).Code().ShouldBe("OK");
    }

    [Fact]
    public async Task Another_customers_patient_is_NOT_FOUND_to_queries_and_refused_to_ingest()
    {
        var (one, oneAdmin, oneDevice) = await TenantAsync("grpc-one");
        var (two, _, _) = await TenantAsync("grpc-two");
        using var _1 = one;
        using var _2 = two;
        (await two.Admin.PostJsonAsync("/api/v1/patients", new { id = "theirs", name = "Theirs" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        var query = await PythonGrpc.CallAsync(Target, oneAdmin, GetLatestVitals, new { patient_id = "theirs" });
        var news2 = await PythonGrpc.CallAsync(Target, oneAdmin, GetNews2, new { patient_id = "nobody" });
        var aggregates = await PythonGrpc.CallAsync(Target, oneAdmin, GetAggregates, new { patient_id = "theirs", type = "heart_rate", window = "1m" });
        var ingest = await PythonGrpc.CallAsync(Target, oneDevice, IngestBatch, new { readings = new[] { Reading("x", "heart_rate", 70, "2026-03-01T10:00:00Z", "theirs") } });

        query.Code().ShouldBe("NOT_FOUND");
        query.Details().ShouldBe("Patient 'theirs' was not found.");
        news2.Code().ShouldBe("NOT_FOUND");
        aggregates.Code().ShouldBe("NOT_FOUND");
        ingest.Code().ShouldBe("INVALID_ARGUMENT");
        ingest.Details().ShouldBe("readings[0].patient_id 'theirs' is not a patient of this customer");
        Db.Count("readings", two.Id).ShouldBe(0);
    }

    [Fact]
    public async Task A_stream_of_100000_readings_one_per_message_is_stored_in_full_and_counted_and_a_resend_is_all_duplicates()
    {
        var (tenant, _, device) = await TenantAsync("grpc-stream");
        using var _t = tenant;
        var clock = Stopwatch.StartNew();

        var result = (await PythonGrpc.RunAsync(Target, device, "stream", "--patient", "p", "--count", "100000", "--per-message", "1")).Response();

        TestContext.Current.SendDiagnosticMessage($"100000 readings streamed one per message in {clock.Elapsed.TotalSeconds:0.0} s");
        result.Int("accepted").ShouldBe(100_000);
        result.Int("duplicates").ShouldBe(0);
        result.Int("committed").ShouldBe(100_000);
        Db.Count("readings", tenant.Id).ShouldBe(100_000);
        Db.Scalar("SELECT COUNT(DISTINCT id) FROM readings WHERE customer_id = @c", ("@c", tenant.Id)).ShouldBe(100_000);

        var resend = (await PythonGrpc.RunAsync(Target, device, "stream", "--patient", "p", "--count", "100000", "--per-message", "1000")).Response();

        resend.Int("accepted").ShouldBe(0);
        resend.Int("duplicates").ShouldBe(100_000);
        Db.Count("readings", tenant.Id).ShouldBe(100_000);
    }

    [Fact]
    public async Task A_bad_reading_ends_the_stream_with_INVALID_ARGUMENT_saying_where_it_is_and_what_is_committed_so_the_client_resumes()
    {
        var (tenant, _, device) = await TenantAsync("grpc-resume");
        using var _t = tenant;

        // Reading 1234 is out of range; it travels in the message of readings 1200-1299.
        var failed = await PythonGrpc.RunAsync(Target, device, "stream", "--patient", "p", "--count", "3000", "--per-message", "100", "--bad-at", "1234");

        failed.Code().ShouldBe("INVALID_ARGUMENT");
        failed.Details().ShouldBe(
            "reading 1234 of the stream: value 900 /min is outside the plausible range 0 to 350 /min; the first 1200 readings of the stream are committed: resume from reading 1200");
        failed.GetProperty("trailers").GetProperty("vigil-committed").GetString().ShouldBe("1200");
        failed.GetProperty("violations").EnumerateArray().ShouldHaveSingleItem().GetProperty("field").GetString().ShouldBe("readings[1234].value");
        Db.Count("readings", tenant.Id).ShouldBe(1200);
        Db.Scalar("SELECT COUNT(*) FROM readings WHERE customer_id = @c AND id = 's1199'", ("@c", tenant.Id)).ShouldBe(1);

        var resumed = (await PythonGrpc.RunAsync(Target, device, "stream", "--patient", "p", "--count", "3000", "--first", "1200", "--per-message", "100")).Response();

        resumed.Int("accepted").ShouldBe(1800);
        Db.Count("readings", tenant.Id).ShouldBe(3000);
    }

    [Fact]
    public async Task A_stream_the_client_cancels_keeps_whole_commit_groups_only_and_the_server_serves_on()
    {
        var (tenant, _, device) = await TenantAsync("grpc-cancel");
        using var _t = tenant;

        // 120 messages of 100 readings, then the client cancels: groups of 5000 (Vigil:Grpc:StreamCommitReadings) commit whole or not at all.
        var cancelled = await PythonGrpc.RunAsync(Target, device, "stream", "--patient", "p", "--count", "20000", "--per-message", "100", "--cancel-after", "120");

        cancelled.Code().ShouldBe("CANCELLED");
        // A group whose commit had begun when the cancellation came still commits, possibly after the client has its
        // answer: at any moment the stored readings are whole groups, never more than were sent.
        var stored = Db.Count("readings", tenant.Id);
        stored.ShouldBeLessThanOrEqualTo(12_000);
        (stored % 5000).ShouldBe(0);
        var after = (await PythonGrpc.RunAsync(Target, device, "stream", "--patient", "p", "--count", "20000", "--per-message", "100")).Response();
        (after.Int("accepted") + after.Int("duplicates")).ShouldBe(20_000);
        after.Int("duplicates").ShouldBeLessThanOrEqualTo(12_000);
        (after.Int("duplicates") % 5000).ShouldBe(0);
        Db.Count("readings", tenant.Id).ShouldBe(20_000);
    }

    [Fact]
    public async Task A_stream_naming_an_unknown_patient_is_refused_from_the_group_that_names_it()
    {
        var (tenant, _, device) = await TenantAsync("grpc-stream-ghost");
        using var _t = tenant;

        var result = await PythonGrpc.RunAsync(Target, device, "stream", "--patient", "ghost", "--count", "3", "--per-message", "1");

        result.Code().ShouldBe("INVALID_ARGUMENT");
        result.Details().ShouldStartWith("reading 0 of the stream: patient_id 'ghost' is not a patient of this customer; reading 1 of the stream:");
        result.Details().ShouldEndWith("the first 0 readings of the stream are committed: resume from reading 0");
        Db.Count("readings", tenant.Id).ShouldBe(0);
    }

    [Fact]
    public async Task Queries_answer_the_latest_vitals_aggregates_and_NEWS2_that_the_HTTP_API_answers()
    {
        var (tenant, admin, device) = await TenantAsync("grpc-query");
        using var _t = tenant;
        var t = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-30).ToUnixTimeSeconds());
        string At(int minutes) => t.AddMinutes(minutes).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
        object[] readings =
        [
            Reading("hr1", "heart_rate", 70, At(0)), Reading("hr2", "heart_rate", 95, At(2)), Reading("hr0", "heart_rate", 60, At(-5)),
            Reading("rr", "respiratory_rate", 22, At(1)), Reading("spo2", "spo2", 95, At(1)), Reading("sys", "systolic_bp", 105, At(1)),
            Reading("temp", "temperature", 38.5, At(1)), new { id = "air", patient_id = "p", type = "oxygen_supplement", flag = false, observed_at = At(1) },
            new { id = "avpu", patient_id = "p", type = "consciousness", text = "A", observed_at = At(1) },
        ];
        var analyzer = Server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();
        var handled = new[] { "hr1", "hr2", "hr0", "rr", "spo2", "sys", "temp", "air", "avpu" }.Select(id => analyzer.WhenHandled(tenant.Id, id)).ToList();
        (await PythonGrpc.CallAsync(Target, device, IngestBatch, new { readings })).Response().Int("accepted").ShouldBe(9);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);

        var latest = (await PythonGrpc.CallAsync(Target, admin, GetLatestVitals, new { patient_id = "p" })).Response();
        var aggregates = (await PythonGrpc.CallAsync(Target, admin, GetAggregates, new { patient_id = "p", type = "heart_rate", window = "5m" })).Response();
        var news2 = (await PythonGrpc.CallAsync(Target, admin, GetNews2, new { patient_id = "p" })).Response();

        var byType = latest.GetProperty("readings").EnumerateArray().Select(r => r.GetProperty("reading"))
            .ToDictionary(r => r.GetProperty("type").GetString()!);
        byType.Keys.ShouldBe(["heart_rate", "respiratory_rate", "spo2", "temperature", "systolic_bp", "consciousness", "oxygen_supplement"]);
        byType["heart_rate"].GetProperty("id").GetString().ShouldBe("hr2");
        byType["heart_rate"].GetProperty("number").GetDouble().ShouldBe(95);
        byType["heart_rate"].GetProperty("unit").GetString().ShouldBe("/min");
        byType["consciousness"].GetProperty("text").GetString().ShouldBe("A");
        byType["oxygen_supplement"].TryGetProperty("flag", out var flag).ShouldBe(true);
        flag.GetBoolean().ShouldBeFalse();

        var http = (await (await tenant.Admin.Get("/api/v1/patients/p/aggregates?type=heart_rate&window=5m")).ShouldBeAsync(HttpStatusCode.OK)).EnumerateArray().ToList();
        var items = aggregates.GetProperty("items").EnumerateArray().ToList();
        items.Count.ShouldBe(http.Count);
        items.Sum(i => i.Int("count")).ShouldBe(3);
        for (var i = 0; i < items.Count; i++)
        {
            items[i].GetProperty("window_start").GetDateTimeOffset().ShouldBe(http[i].GetProperty("windowStart").GetDateTimeOffset());
            items[i].Int("count").ShouldBe(http[i].GetProperty("count").GetInt64());
            items[i].GetProperty("mean").GetDouble().ShouldBe(http[i].GetProperty("mean").GetDouble());
            items[i].GetProperty("last").GetDouble().ShouldBe(http[i].GetProperty("last").GetDouble());
        }

        var httpNews2 = await (await tenant.Admin.Get("/api/v1/patients/p/news2")).ShouldBeAsync(HttpStatusCode.OK);
        news2.Int("score").ShouldBe(httpNews2.GetProperty("score").GetInt64());
        news2.GetProperty("risk").GetString().ShouldBe(httpNews2.GetProperty("risk").GetString());
        news2.GetProperty("complete").GetBoolean().ShouldBeTrue();
        news2.GetProperty("at").GetDateTimeOffset().ShouldBe(httpNews2.GetProperty("at").GetDateTimeOffset());
        var parameters = news2.GetProperty("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Int("points"));
        parameters.ShouldBe(httpNews2.GetProperty("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetProperty("points").GetInt64()),
            ignoreOrder: true);
        // RR 22 scores 2, SpO2 95 (scale 1) 1, SBP 105 1, pulse 95 1, temperature 38.5 1: 6 (RCP 2017 chart).
        news2.Int("score").ShouldBe(6);

        var badWindow = await PythonGrpc.CallAsync(Target, admin, GetAggregates, new { patient_id = "p", type = "consciousness", window = "2m" });
        badWindow.Code().ShouldBe("INVALID_ARGUMENT");
        badWindow.Details().ShouldBe("type 'consciousness' is not a vital type with a numeric value; window '2m' is not a window size: 1m, 5m or 1h");
    }

    [Fact]
    public async Task Watch_streams_the_callers_alert_transitions_as_they_are_recorded_and_nothing_of_other_customers()
    {
        var (tenant, admin, device) = await TenantAsync("grpc-watch");
        var (other, _, otherDevice) = await TenantAsync("grpc-watch-other");
        using var _t = tenant;
        using var _o = other;
        var at = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

        using var watch = PythonGrpc.Start(Target, admin, null, ["watch", "--timeout", "60", "--max", "3"]);
        // The client says "watching" once the server has opened the stream, which it does after taking its starting point.
        (await watch.StandardError.ReadLineAsync(Http.Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(30), Http.Ct)).ShouldBe("watching");
        (await PythonGrpc.CallAsync(Target, otherDevice, IngestBatch, new { readings = new[] { Reading("o", "heart_rate", 170, at) } })).Code().ShouldBe("OK");
        var handled = Server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single().WhenHandled(tenant.Id, "h");
        (await PythonGrpc.CallAsync(Target, device, IngestBatch, new { readings = new[] { Reading("h", "heart_rate", 170, at) } })).Code().ShouldBe("OK");
        await handled.WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
        var page = await (await tenant.Admin.Get("/api/v1/alerts?rule=threshold:heart_rate")).ShouldBeAsync(HttpStatusCode.OK);
        var alert = page.GetProperty("items").EnumerateArray().ShouldHaveSingleItem().GetProperty("id").GetString()!;
        (await tenant.Admin.PostJsonAsync($"/api/v1/alerts/{alert}/acknowledge", new { note = "seen" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var result = await PythonGrpc.ResultAsync(watch);

        var events = result.GetProperty("events").EnumerateArray().ToList();
        // Heart rate 170 breaches the threshold and scores 3 on NEWS2: two alerts are created, then one is acknowledged.
        events.Select(e => e.GetProperty("transition").GetString()).ShouldBe(["created", "created", "acknowledged"]);
        events.ShouldAllBe(e => e.GetProperty("alert").GetProperty("patient_id").GetString() == "p");
        var created = events[..2].Single(e => e.GetProperty("alert").GetProperty("id").GetString() == alert).GetProperty("alert");
        created.GetProperty("rule").GetString().ShouldBe("threshold:heart_rate");
        created.GetProperty("status").GetString().ShouldBe("active");
        created.GetProperty("value").GetDouble().ShouldBe(170);
        events[2].GetProperty("alert").GetProperty("id").GetString().ShouldBe(alert);
        events[2].GetProperty("alert").GetProperty("status").GetString().ShouldBe("acknowledged");
        events[2].GetProperty("by").GetString().ShouldStartWith("key:");
    }

    [Fact]
    public async Task A_call_past_its_deadline_ends_with_DEADLINE_EXCEEDED()
    {
        var (tenant, admin, _) = await TenantAsync("grpc-deadline");
        using var _t = tenant;
        var clock = Stopwatch.StartNew();

        var result = await PythonGrpc.RunAsync(Target, admin, "watch", "--timeout", "0.5");

        result.Code().ShouldBe("DEADLINE_EXCEEDED");
        result.GetProperty("events").GetArrayLength().ShouldBe(0);
        clock.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(20));
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : GrpcTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : GrpcTests(fixture), IClassFixture<DistributedServerFixture>;
}

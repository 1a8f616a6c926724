using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests;

/// <summary>POST /api/v1/readings: conversion, validation, all-or-nothing batches, idempotency, and readings.raw.</summary>
public abstract class ReadingIngestTests(ServerFixture fixture)
{
    private const string Raw = "readings.raw";

    private VigilServer Server => fixture.Server;

    private VigilDatabase Db => fixture.Database;

    private static string Ago(int minutes) => DateTimeOffset.UtcNow.AddMinutes(-minutes).ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    private (long Readings, long Log) Totals(string customer) => (Db.Count("readings", customer), Db.LogCount(Raw));

    private static async Task<JsonElement> ReadBackAsync(Tenant tenant)
    {
        var page = await (await tenant.Admin.Get("/api/v1/patients/p/readings")).ShouldBeAsync(HttpStatusCode.OK);
        return page.GetProperty("items");
    }

    [Fact]
    public async Task A_single_reading_from_a_device_is_stored_once_and_appended_once_to_readings_raw_under_the_patient_key()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-single");

        var response = await tenant.Device.PostJsonAsync("/api/v1/readings",
            new { id = "r1", patientId = "p", deviceId = "d", type = "heart_rate", value = 72, observedAt = "2026-03-01T10:00:00+01:00" });

        var body = await response.ShouldBeAsync(HttpStatusCode.Accepted);
        body.GetProperty("accepted").GetInt32().ShouldBe(1);
        body.GetProperty("duplicates").GetInt32().ShouldBe(0);
        body.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ShouldBe(["r1"]);
        Db.Count("readings", "ing-single").ShouldBe(1);
        var messages = Db.Log(Raw, "ing-single/p");
        messages.Count.ShouldBe(1);
        var raw = messages[0].Body;
        raw.GetProperty("id").GetString().ShouldBe("r1");
        raw.GetProperty("customerId").GetString().ShouldBe("ing-single");
        raw.GetProperty("patientId").GetString().ShouldBe("p");
        raw.GetProperty("deviceId").GetString().ShouldBe("d");
        raw.GetProperty("type").GetString().ShouldBe("heart_rate");
        raw.GetProperty("value").GetDouble().ShouldBe(72);
        raw.GetProperty("observedAt").GetDateTimeOffset().ShouldBe(DateTimeOffset.Parse("2026-03-01T09:00:00Z", CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_batch_is_accepted_by_type_or_loinc_code_with_units_converted_and_ids_in_request_order()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-batch");
        object[] batch =
        [
            new { id = "temp", patientId = "p", type = "temperature", value = 98.6, unit = "[degF]", observedAt = "2026-03-01T10:00:00Z" },
            new { id = "weight", patientId = "p", type = "weight", value = 154, unit = "[lb_av]", observedAt = "2026-03-01T10:01:00Z" },
            new { id = "height", patientId = "p", type = "height", value = 70, unit = "[in_i]", observedAt = "2026-03-01T10:02:00Z" },
            new { id = "sys", patientId = "p", type = "systolic_bp", value = 120, unit = "mmHg", observedAt = "2026-03-01T10:03:00Z" },
            new { id = "hr", patientId = "p", code = "8867-4", value = 61, observedAt = "2026-03-01T10:04:00Z" },
            new { id = "spo2", patientId = "p", code = "59408-5", type = "spo2", value = 97, unit = "%", observedAt = "2026-03-01T10:05:00Z" },
            new { id = "avpu", patientId = "p", type = "consciousness", value = "V", observedAt = "2026-03-01T10:06:00Z" },
            new { id = "o2", patientId = "p", type = "oxygen_supplement", value = true, observedAt = "2026-03-01T10:07:00Z" },
            new { id = "air", patientId = "p", type = "oxygen_supplement", value = false, observedAt = "2026-03-01T10:08:00Z" },
            new { patientId = "p", type = "respiratory_rate", value = 18, observedAt = "2026-03-01T10:09:00Z" },
        ];

        var body = await (await tenant.Device.PostJsonAsync("/api/v1/readings", batch)).ShouldBeAsync(HttpStatusCode.Accepted);

        body.GetProperty("accepted").GetInt32().ShouldBe(10);
        var ids = body.GetProperty("ids").EnumerateArray().Select(i => i.GetString()!).ToList();
        ids.Take(9).ShouldBe(["temp", "weight", "height", "sys", "hr", "spo2", "avpu", "o2", "air"]);
        ids[9].ShouldNotBeNullOrWhiteSpace();
        var items = (await ReadBackAsync(tenant)).EnumerateArray().ToDictionary(r => r.GetProperty("id").GetString()!);
        items.Keys.ShouldBe(ids, ignoreOrder: true);
        items["temp"].GetProperty("value").GetDouble().ShouldBe(37.0, 0.001);
        items["temp"].GetProperty("unit").GetString().ShouldBe("Cel");
        items["weight"].GetProperty("value").GetDouble().ShouldBe(69.853, 0.001);
        items["weight"].GetProperty("unit").GetString().ShouldBe("kg");
        items["height"].GetProperty("value").GetDouble().ShouldBe(177.8, 0.001);
        items["height"].GetProperty("unit").GetString().ShouldBe("cm");
        items["sys"].GetProperty("unit").GetString().ShouldBe("mm[Hg]");
        items["sys"].GetProperty("value").GetDouble().ShouldBe(120);
        items["hr"].GetProperty("type").GetString().ShouldBe("heart_rate");
        items["spo2"].GetProperty("type").GetString().ShouldBe("spo2");
        items["avpu"].GetProperty("value").GetString().ShouldBe("V");
        items["o2"].GetProperty("value").GetBoolean().ShouldBeTrue();
        items["air"].GetProperty("value").GetBoolean().ShouldBeFalse();
        var raw = Db.Log(Raw, "ing-batch/p");
        raw.Select(m => m.Body.GetProperty("id").GetString()!).ShouldBe(ids, ignoreOrder: true);
        raw.Single(m => m.Body.GetProperty("id").GetString() == "temp").Body.GetProperty("unit").GetString().ShouldBe("Cel");
    }

    public static TheoryData<string, string, string> InvalidReadings => new()
    {
        { "unknown type", """{"patientId":"p","type":"mood","value":1,"observedAt":"2026-03-01T10:00:00Z"}""", "type" },
        { "unknown LOINC code", """{"patientId":"p","code":"0000-0","value":1,"observedAt":"2026-03-01T10:00:00Z"}""", "code" },
        { "code of another type", """{"patientId":"p","type":"heart_rate","code":"8310-5","value":60,"observedAt":"2026-03-01T10:00:00Z"}""", "code" },
        { "no type at all", """{"patientId":"p","value":60,"observedAt":"2026-03-01T10:00:00Z"}""", "type" },
        { "text for a number", """{"patientId":"p","type":"heart_rate","value":"60","observedAt":"2026-03-01T10:00:00Z"}""", "value" },
        { "object for a number", """{"patientId":"p","type":"heart_rate","value":{"v":60},"observedAt":"2026-03-01T10:00:00Z"}""", "value" },
        { "missing value", """{"patientId":"p","type":"heart_rate","observedAt":"2026-03-01T10:00:00Z"}""", "value" },
        { "implausible heart rate", """{"patientId":"p","type":"heart_rate","value":351,"observedAt":"2026-03-01T10:00:00Z"}""", "value" },
        { "implausible converted temperature", """{"patientId":"p","type":"temperature","value":37,"unit":"[degF]","observedAt":"2026-03-01T10:00:00Z"}""", "value" },
        { "negative weight", """{"patientId":"p","type":"weight","value":-1,"observedAt":"2026-03-01T10:00:00Z"}""", "value" },
        { "unknown unit", """{"patientId":"p","type":"temperature","value":37,"unit":"K","observedAt":"2026-03-01T10:00:00Z"}""", "unit" },
        { "consciousness not ACVPU", """{"patientId":"p","type":"consciousness","value":"X","observedAt":"2026-03-01T10:00:00Z"}""", "value" },
        { "oxygen as text", """{"patientId":"p","type":"oxygen_supplement","value":"yes","observedAt":"2026-03-01T10:00:00Z"}""", "value" },
        { "missing observedAt", """{"patientId":"p","type":"heart_rate","value":60}""", "observedAt" },
        { "observedAt without offset", """{"patientId":"p","type":"heart_rate","value":60,"observedAt":"2026-03-01T10:00:00"}""", "observedAt" },
        { "observedAt as a number", """{"patientId":"p","type":"heart_rate","value":60,"observedAt":1767261600}""", "observedAt" },
        { "observedAt before 1970", """{"patientId":"p","type":"heart_rate","value":60,"observedAt":"1969-12-31T23:59:59Z"}""", "observedAt" },
        { "observedAt far in the future", """{"patientId":"p","type":"heart_rate","value":60,"observedAt":"2999-01-01T00:00:00Z"}""", "observedAt" },
        { "missing patient", """{"type":"heart_rate","value":60,"observedAt":"2026-03-01T10:00:00Z"}""", "patientId" },
        { "unknown patient", """{"patientId":"nobody","type":"heart_rate","value":60,"observedAt":"2026-03-01T10:00:00Z"}""", "patientId" },
        { "unknown device", """{"patientId":"p","deviceId":"nothing","type":"heart_rate","value":60,"observedAt":"2026-03-01T10:00:00Z"}""", "deviceId" },
        { "bad reading id", """{"id":"a b","patientId":"p","type":"heart_rate","value":60,"observedAt":"2026-03-01T10:00:00Z"}""", "id" },
    };

    [Theory]
    [MemberData(nameof(InvalidReadings))]
    public async Task An_invalid_single_reading_is_refused_with_422_naming_the_field_without_an_index_and_nothing_is_stored(string why, string json, string field)
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-bad-" + why.Replace(' ', '-'));
        var before = Totals(tenant.Id);

        var problem = await (await tenant.Device.PostRawAsync("/api/v1/readings", json)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        problem.Errors().ShouldContain((null, field));
        problem.Errors().ShouldAllBe(e => e.Index == null);
        Totals(tenant.Id).ShouldBe(before);
    }

    [Fact]
    public async Task A_reading_ten_minutes_ahead_of_the_server_clock_is_refused_but_one_a_minute_ahead_is_accepted()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-future");
        var ahead = DateTimeOffset.UtcNow.AddMinutes(10).ToString("O", CultureInfo.InvariantCulture);
        var slightly = DateTimeOffset.UtcNow.AddMinutes(1).ToString("O", CultureInfo.InvariantCulture);

        var refused = await (await tenant.Device.PostJsonAsync("/api/v1/readings", new { patientId = "p", type = "steps", value = 10, observedAt = ahead }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        (await tenant.Device.PostJsonAsync("/api/v1/readings", new { patientId = "p", type = "steps", value = 10, observedAt = slightly }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);

        refused.Errors().ShouldBe([(null, "observedAt")]);
        Db.Count("readings", tenant.Id).ShouldBe(1);
    }

    [Fact]
    public async Task A_batch_with_one_invalid_item_is_refused_with_its_index_and_stores_nothing()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-batch-bad");
        var before = Totals(tenant.Id);
        object[] batch =
        [
            new { id = "ok1", patientId = "p", type = "heart_rate", value = 60, observedAt = Ago(5) },
            new { id = "ok2", patientId = "p", type = "heart_rate", value = 61, observedAt = Ago(4) },
            new { id = "bad", patientId = "p", type = "heart_rate", value = 999, observedAt = Ago(3) },
            new { id = "ok3", patientId = "p", type = "heart_rate", value = 62, observedAt = Ago(2) },
        ];

        var problem = await (await tenant.Device.PostJsonAsync("/api/v1/readings", batch)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        problem.Errors().ShouldBe([(2, "value")]);
        Totals(tenant.Id).ShouldBe(before);
    }

    [Fact]
    public async Task A_batch_naming_an_unknown_patient_or_device_is_refused_with_the_indexes_and_stores_nothing()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-batch-ref");
        var before = Totals(tenant.Id);
        object[] batch =
        [
            new { patientId = "p", type = "heart_rate", value = 60, observedAt = Ago(5) },
            new { patientId = "ghost", type = "heart_rate", value = 60, observedAt = Ago(5) },
            new { patientId = "p", deviceId = "ghost", type = "heart_rate", value = 60, observedAt = Ago(5) },
        ];

        var problem = await (await tenant.Device.PostJsonAsync("/api/v1/readings", batch)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        problem.Errors().ShouldBe([(1, "patientId"), (2, "deviceId")], ignoreOrder: true);
        Totals(tenant.Id).ShouldBe(before);
    }

    [Theory]
    [InlineData("{\"patientId\":\"p\",")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("42")]
    [InlineData("{\"patientId\":\"p\"} {}")]
    [InlineData("[{\"patientId\":\"p\"},]")]
    public async Task A_body_that_is_not_a_json_object_or_array_of_objects_is_refused_with_400(string body)
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-malformed-" + Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(body)))[..12]);
        var before = Totals(tenant.Id);

        await (await tenant.Device.PostRawAsync("/api/v1/readings", body)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

        Totals(tenant.Id).ShouldBe(before);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_that_is_not_declared_as_json_is_refused_with_415(string contentType)
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-415-" + contentType.Replace('/', '-'));

        await (await tenant.Device.PostRawAsync("/api/v1/readings",
            """{"patientId":"p","type":"heart_rate","value":60,"observedAt":"2026-03-01T10:00:00Z"}""", contentType))
            .ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);

        Db.Count("readings", tenant.Id).ShouldBe(0);
    }

    private static string Batch(int count, Func<int, string> id) => "[" + string.Join(',', Enumerable.Range(0, count).Select(i =>
        $$"""{"id":"{{id(i)}}","patientId":"p","type":"steps","value":{{i}},"observedAt":"2026-03-01T10:00:00Z"}""")) + "]";

    [Fact]
    public async Task A_batch_of_exactly_10000_readings_is_accepted_and_one_of_10001_is_refused_with_413()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-limit");
        var logBefore = Db.LogCount(Raw);

        await (await tenant.Device.PostRawAsync("/api/v1/readings", Batch(10_001, i => $"x{i}"))).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        Db.Count("readings", tenant.Id).ShouldBe(0);
        Db.LogCount(Raw).ShouldBe(logBefore);

        var accepted = await (await tenant.Device.PostRawAsync("/api/v1/readings", Batch(10_000, i => $"r{i}"))).ShouldBeAsync(HttpStatusCode.Accepted);
        accepted.GetProperty("accepted").GetInt32().ShouldBe(10_000);
        accepted.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ShouldBe(Enumerable.Range(0, 10_000).Select(i => $"r{i}"));
        Db.Count("readings", tenant.Id).ShouldBe(10_000);
        Db.Log(Raw, $"{tenant.Id}/p").Count.ShouldBe(10_000);
    }

    [Fact]
    public async Task A_body_over_8_MiB_is_refused_with_413_whether_or_not_its_length_is_declared()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-huge");
        var padding = new string(' ', (8 * 1024 * 1024) + 1);
        var json = "{\"patientId\":\"p\",\"type\":\"heart_rate\",\"value\":60,\"observedAt\":\"2026-03-01T10:00:00Z\"}" + padding;

        await (await tenant.Device.PostRawAsync("/api/v1/readings", json)).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/api/v1/readings")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(json))),
        };
        chunked.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        chunked.Headers.TransferEncodingChunked = true;
        await (await tenant.Device.SendAsync(chunked, Http.Ct)).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);

        Db.Count("readings", tenant.Id).ShouldBe(0);
    }

    [Fact]
    public async Task Resending_the_same_reading_counts_it_as_a_duplicate_and_stores_and_logs_nothing_new()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-resend");
        var reading = new { id = "r1", patientId = "p", type = "heart_rate", value = 72, observedAt = "2026-03-01T10:00:00Z" };
        (await tenant.Device.PostJsonAsync("/api/v1/readings", reading)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var before = Totals(tenant.Id);

        var again = await (await tenant.Device.PostJsonAsync("/api/v1/readings", reading)).ShouldBeAsync(HttpStatusCode.Accepted);
        var mixed = await (await tenant.Device.PostJsonAsync("/api/v1/readings", new object[]
        {
            new { id = "r2", patientId = "p", type = "heart_rate", value = 73, observedAt = "2026-03-01T10:01:00Z" },
            reading,
            new { id = "r2", patientId = "p", type = "heart_rate", value = 73, observedAt = "2026-03-01T10:01:00Z" },
        })).ShouldBeAsync(HttpStatusCode.Accepted);

        again.GetProperty("accepted").GetInt32().ShouldBe(0);
        again.GetProperty("duplicates").GetInt32().ShouldBe(1);
        again.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ShouldBe(["r1"]);
        mixed.GetProperty("accepted").GetInt32().ShouldBe(1);
        mixed.GetProperty("duplicates").GetInt32().ShouldBe(2);
        mixed.GetProperty("ids").EnumerateArray().Select(i => i.GetString()).ShouldBe(["r2", "r1", "r2"]);
        Totals(tenant.Id).ShouldBe((before.Readings + 1, before.Log + 1));
        Db.Log(Raw, $"{tenant.Id}/p").Select(m => m.Body.GetProperty("id").GetString()).ShouldBe(["r1", "r2"]);
    }

    [Fact]
    public async Task Reusing_a_reading_id_for_other_content_is_refused_with_409_and_nothing_of_the_batch_is_stored()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-conflict");
        (await tenant.Device.PostJsonAsync("/api/v1/readings", new { id = "r1", patientId = "p", type = "heart_rate", value = 72, observedAt = "2026-03-01T10:00:00Z" }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var before = Totals(tenant.Id);

        var problem = await (await tenant.Device.PostJsonAsync("/api/v1/readings", new object[]
        {
            new { id = "new", patientId = "p", type = "heart_rate", value = 80, observedAt = "2026-03-01T10:05:00Z" },
            new { id = "r1", patientId = "p", type = "heart_rate", value = 99, observedAt = "2026-03-01T10:00:00Z" },
        })).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        var single = await (await tenant.Device.PostJsonAsync("/api/v1/readings", new { id = "r1", patientId = "p", type = "heart_rate", value = 99, observedAt = "2026-03-01T10:00:00Z" }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);

        problem.Errors().ShouldBe([(1, "id")]);
        single.Errors().ShouldBe([(null, "id")]);
        Totals(tenant.Id).ShouldBe(before);
    }

    [Fact]
    public async Task The_same_id_twice_with_different_content_in_one_batch_is_refused_with_409_and_nothing_is_stored()
    {
        using var tenant = await Tenant.CreateAsync(Server, "ing-conflict-inside");
        var before = Totals(tenant.Id);

        var problem = await (await tenant.Device.PostJsonAsync("/api/v1/readings", new object[]
        {
            new { id = "x", patientId = "p", type = "heart_rate", value = 70, observedAt = "2026-03-01T10:00:00Z" },
            new { id = "x", patientId = "p", type = "heart_rate", value = 71, observedAt = "2026-03-01T10:00:00Z" },
        })).ShouldBeProblemAsync(HttpStatusCode.Conflict);

        problem.Errors().ShouldBe([(1, "id")]);
        Totals(tenant.Id).ShouldBe(before);
    }

    [Fact]
    public async Task Two_customers_may_use_the_same_reading_id()
    {
        using var one = await Tenant.CreateAsync(Server, "ing-same-id-1");
        using var two = await Tenant.CreateAsync(Server, "ing-same-id-2");

        (await one.Device.PostJsonAsync("/api/v1/readings", new { id = "shared", patientId = "p", type = "heart_rate", value = 60, observedAt = "2026-03-01T10:00:00Z" }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        var second = await (await two.Device.PostJsonAsync("/api/v1/readings", new { id = "shared", patientId = "p", type = "heart_rate", value = 90, observedAt = "2026-03-01T10:00:00Z" }))
            .ShouldBeAsync(HttpStatusCode.Accepted);

        second.GetProperty("accepted").GetInt32().ShouldBe(1);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : ReadingIngestTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : ReadingIngestTests(fixture), IClassFixture<DistributedServerFixture>;
}

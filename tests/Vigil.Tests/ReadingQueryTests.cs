using System.Net;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests;

/// <summary>GET /api/v1/patients/{id}/readings: event-time order, filters, cursor paging and limits.</summary>
public abstract class ReadingQueryTests(ServerFixture fixture)
{
    private VigilServer Server => fixture.Server;

    private static string At(int minute) => new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minute).ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);

    private static async Task PostAsync(Tenant tenant, IEnumerable<object> readings) =>
        (await tenant.Device.PostJsonAsync("/api/v1/readings", readings.ToArray())).StatusCode.ShouldBe(HttpStatusCode.Accepted);

    private static async Task<JsonElement> PageAsync(Tenant tenant, string query) =>
        await (await tenant.Admin.Get($"/api/v1/patients/p/readings{query}")).ShouldBeAsync(HttpStatusCode.OK);

    private static List<string> Ids(JsonElement page) => page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();

    [Fact]
    public async Task Readings_posted_out_of_order_are_read_back_in_event_time_order()
    {
        using var tenant = await Tenant.CreateAsync(Server, "q-order");
        int[] minutes = [30, 5, 50, 10, 45, 0, 20];
        await PostAsync(tenant, minutes.Select(m => new { id = $"m{m}", patientId = "p", type = "heart_rate", value = 60 + m, observedAt = At(m) }));

        var page = await PageAsync(tenant, "");

        Ids(page).ShouldBe(minutes.Order().Select(m => $"m{m}"));
        page.GetProperty("nextCursor").ValueKind.ShouldBe(JsonValueKind.Null);
        var first = page.GetProperty("items")[0];
        first.GetProperty("observedAt").GetDateTimeOffset().ShouldBe(DateTimeOffset.Parse(At(0), System.Globalization.CultureInfo.InvariantCulture));
        first.GetProperty("code").GetString().ShouldBe("8867-4");
        first.GetProperty("unit").GetString().ShouldBe("/min");
    }

    [Fact]
    public async Task Paging_with_the_cursor_returns_every_reading_exactly_once_in_order()
    {
        using var tenant = await Tenant.CreateAsync(Server, "q-paging");
        // Some readings share an event time, so the cursor must break ties.
        var readings = Enumerable.Range(0, 25).Select(i => new { id = $"r{i:00}", patientId = "p", type = "steps", value = i, observedAt = At((i * 7 % 25) / 2) }).ToList();
        await PostAsync(tenant, readings.Take(13));
        await PostAsync(tenant, readings.Skip(13));

        var seen = new List<string>();
        var times = new List<DateTimeOffset>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await PageAsync(tenant, $"?limit=4{(cursor is null ? "" : $"&cursor={Uri.EscapeDataString(cursor)}")}");
            seen.AddRange(Ids(page));
            times.AddRange(page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("observedAt").GetDateTimeOffset()));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        }
        while (cursor is not null && pages < 50);

        seen.ShouldBe(readings.Select(r => r.id), ignoreOrder: true);
        seen.Distinct().Count().ShouldBe(25);
        times.ShouldBe(times.Order().ToList());
        pages.ShouldBe(7);
    }

    [Fact]
    public async Task Without_a_limit_a_page_holds_1000_readings_and_a_cursor_to_the_rest()
    {
        using var tenant = await Tenant.CreateAsync(Server, "q-default-limit");
        await PostAsync(tenant, Enumerable.Range(0, 1003).Select(i => new { id = $"r{i}", patientId = "p", type = "steps", value = i, observedAt = At(i) }));

        var first = await PageAsync(tenant, "");
        var rest = await PageAsync(tenant, $"?cursor={Uri.EscapeDataString(first.GetProperty("nextCursor").GetString()!)}");
        var all = await PageAsync(tenant, "?limit=10000");

        Ids(first).Count.ShouldBe(1000);
        Ids(rest).ShouldBe(["r1000", "r1001", "r1002"]);
        rest.GetProperty("nextCursor").ValueKind.ShouldBe(JsonValueKind.Null);
        Ids(all).Count.ShouldBe(1003);
    }

    [Theory]
    [InlineData("?limit=10001", "limit")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=-5", "limit")]
    [InlineData("?type=mood", "type")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?to=2026-03-01T00:00:00", "to")]
    [InlineData("?cursor=not-a-cursor", "cursor")]
    public async Task A_bad_query_parameter_is_refused_with_422_naming_it(string query, string field)
    {
        using var tenant = await Tenant.CreateAsync(Server, "q-bad-" + field + query.Length);

        var problem = await (await tenant.Admin.Get($"/api/v1/patients/p/readings{query}")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        problem.Errors().ShouldContain((null, field));
    }

    [Fact]
    public async Task Type_from_and_to_narrow_the_readings_with_from_inclusive_and_to_exclusive()
    {
        using var tenant = await Tenant.CreateAsync(Server, "q-filter");
        await PostAsync(tenant, Enumerable.Range(0, 6).SelectMany(i => new object[]
        {
            new { id = $"hr{i}", patientId = "p", type = "heart_rate", value = 60, observedAt = At(i * 10) },
            new { id = $"rr{i}", patientId = "p", type = "respiratory_rate", value = 16, observedAt = At(i * 10) },
        }));

        var page = await PageAsync(tenant, $"?type=heart_rate&from={Uri.EscapeDataString(At(10))}&to={Uri.EscapeDataString(At(40))}");

        Ids(page).ShouldBe(["hr1", "hr2", "hr3"]);
    }

    [Fact]
    public async Task Another_customers_patient_or_an_unknown_one_is_404()
    {
        using var mine = await Tenant.CreateAsync(Server, "q-mine");
        using var theirs = await Tenant.CreateAsync(Server, "q-theirs");
        (await theirs.Admin.PostJsonAsync("/api/v1/patients", new { id = "only-theirs", name = "T" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await PostAsync(theirs, [new { patientId = "only-theirs", type = "heart_rate", value = 60, observedAt = At(0) }]);

        await (await mine.Admin.Get("/api/v1/patients/only-theirs/readings")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await mine.Admin.Get("/api/v1/patients/nobody/readings")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_patient_with_the_same_id_at_two_customers_sees_only_its_own_readings()
    {
        using var one = await Tenant.CreateAsync(Server, "q-same-1");
        using var two = await Tenant.CreateAsync(Server, "q-same-2");
        await PostAsync(one, [new { id = "one", patientId = "p", type = "heart_rate", value = 60, observedAt = At(0) }]);
        await PostAsync(two, [new { id = "two", patientId = "p", type = "heart_rate", value = 60, observedAt = At(0) }]);

        Ids(await PageAsync(one, "")).ShouldBe(["one"]);
        Ids(await PageAsync(two, "")).ShouldBe(["two"]);
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : ReadingQueryTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : ReadingQueryTests(fixture), IClassFixture<DistributedServerFixture>;
}

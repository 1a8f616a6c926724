using System.Net;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Fhir;

/// <summary>FHIR R4 reads: Observation search with paging links, $lastn, read by id, and the CapabilityStatement.</summary>
public abstract class FhirQueryTests(ServerFixture fixture)
{
    private VigilServer Server => fixture.Server;

    /// <summary>Five heart rates a minute apart from 10:00, two temperatures and a blood pressure, through the JSON API.</summary>
    private async Task<Tenant> SeedAsync(string id)
    {
        var tenant = await Tenant.CreateAsync(Server, id);
        var readings = new List<object>();
        for (var i = 0; i < 5; i++)
        {
            readings.Add(new { id = $"hr{i}", patientId = "p", type = "heart_rate", value = 60 + i, observedAt = $"2026-03-01T10:0{i}:00Z" });
        }

        readings.Add(new { id = "t0", patientId = "p", type = "temperature", value = 36.5, observedAt = "2026-03-01T09:00:00Z" });
        readings.Add(new { id = "t1", patientId = "p", type = "temperature", value = 37.5, observedAt = "2026-03-02T09:00:00Z" });
        readings.Add(new { id = "sys", patientId = "p", type = "systolic_bp", value = 120, observedAt = "2026-03-01T10:00:00Z" });
        readings.Add(new { id = "dia", patientId = "p", type = "diastolic_bp", value = 80, observedAt = "2026-03-01T10:00:00Z" });
        (await tenant.Device.PostJsonAsync("/api/v1/readings", readings)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        return tenant;
    }

    private static List<string> Ids(JsonElement bundle) =>
        bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("resource").GetProperty("id").GetString()!).ToList();

    private static string? Link(JsonElement bundle, string relation) =>
        bundle.GetProperty("link").EnumerateArray().Where(l => l.GetProperty("relation").GetString() == relation).Select(l => l.GetProperty("url").GetString()).FirstOrDefault();

    [Fact]
    public async Task A_search_by_patient_and_code_pages_through_a_searchset_with_self_and_next_links()
    {
        using var tenant = await SeedAsync("fhirq-page");
        var ids = new List<string>();
        var url = "/fhir/Observation?patient=Patient/p&code=http://loinc.org|8867-4&_count=2";
        var pages = 0;

        while (url is not null)
        {
            var page = await (await tenant.Admin.Get(url)).ShouldBeFhirAsync(HttpStatusCode.OK);
            page.GetProperty("resourceType").GetString().ShouldBe("Bundle");
            page.GetProperty("type").GetString().ShouldBe("searchset");
            Link(page, "self").ShouldNotBeNull();
            ids.AddRange(Ids(page));
            url = Link(page, "next") is { } next ? new Uri(next).PathAndQuery : null;
            pages++;
        }

        ids.ShouldBe(["hr0", "hr1", "hr2", "hr3", "hr4"]);
        pages.ShouldBe(3);
    }

    [Fact]
    public async Task A_search_filters_by_date_range_sorts_newest_first_and_a_panel_code_finds_both_pressures()
    {
        using var tenant = await SeedAsync("fhirq-date");

        var range = await (await tenant.Admin.Get("/fhir/Observation?patient=p&code=8867-4&date=ge2026-03-01T10:01:00Z&date=lt2026-03-01T10:04:00Z")).ShouldBeFhirAsync(HttpStatusCode.OK);
        var day = await (await tenant.Admin.Get("/fhir/Observation?patient=p&code=8310-5&date=2026-03-02")).ShouldBeFhirAsync(HttpStatusCode.OK);
        var newest = await (await tenant.Admin.Get("/fhir/Observation?patient=p&code=8867-4,8310-5&_sort=-date&_count=3")).ShouldBeFhirAsync(HttpStatusCode.OK);
        var panel = await (await tenant.Admin.Get("/fhir/Observation?patient=p&code=85354-9")).ShouldBeFhirAsync(HttpStatusCode.OK);

        Ids(range).ShouldBe(["hr1", "hr2", "hr3"]);
        Ids(day).ShouldBe(["t1"]);
        Ids(newest).ShouldBe(["t1", "hr4", "hr3"]);
        Ids(panel).ShouldBe(["sys", "dia"], ignoreOrder: true);
        var temperature = day.GetProperty("entry")[0].GetProperty("resource");
        temperature.GetProperty("valueQuantity").GetProperty("value").GetDouble().ShouldBe(37.5);
        temperature.GetProperty("valueQuantity").GetProperty("code").GetString().ShouldBe("Cel");
        temperature.GetProperty("category")[0].GetProperty("coding")[0].GetProperty("code").GetString().ShouldBe("vital-signs");
    }

    [Fact]
    public async Task Lastn_answers_the_most_recent_readings_of_each_code()
    {
        using var tenant = await SeedAsync("fhirq-lastn");

        var two = await (await tenant.Admin.Get("/fhir/Observation/$lastn?patient=p&code=8867-4,8310-5&max=2")).ShouldBeFhirAsync(HttpStatusCode.OK);
        var all = await (await tenant.Admin.Get("/fhir/Observation/$lastn?patient=Patient/p")).ShouldBeFhirAsync(HttpStatusCode.OK);

        Ids(two).ShouldBe(["hr4", "hr3", "t1", "t0"], ignoreOrder: true);
        Ids(all).ShouldBe(["hr4", "t1", "sys", "dia"], ignoreOrder: true);
    }

    [Fact]
    public async Task Search_refuses_bad_parameters_with_an_OperationOutcome_and_finds_nothing_of_another_customer()
    {
        using var tenant = await SeedAsync("fhirq-bad");
        using var other = await Tenant.CreateAsync(Server, "fhirq-other");

        (await (await tenant.Admin.Get("/fhir/Observation?code=8867-4")).ShouldBeOutcomeAsync(HttpStatusCode.BadRequest)).Expressions().ShouldBe(["patient"]);
        (await (await tenant.Admin.Get("/fhir/Observation?patient=p&date=sa2026")).ShouldBeOutcomeAsync(HttpStatusCode.BadRequest)).Expressions().ShouldBe(["date"]);
        (await (await tenant.Admin.Get("/fhir/Observation?patient=p&_count=0")).ShouldBeOutcomeAsync(HttpStatusCode.BadRequest)).Expressions().ShouldBe(["_count"]);
        var foreign = await (await other.Admin.Get("/fhir/Observation?patient=p&code=8867-4")).ShouldBeFhirAsync(HttpStatusCode.OK);
        Ids(foreign).ShouldBeEmpty();
        using var anonymous = Server.Client();
        (await anonymous.Get("/fhir/Observation?patient=p")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.Get("/fhir/Observation/$lastn?patient=p")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_capability_statement_is_public_and_names_what_the_server_does()
    {
        using var anonymous = Server.Client();

        var statement = await (await anonymous.Get("/fhir/metadata")).ShouldBeFhirAsync(HttpStatusCode.OK);

        statement.GetProperty("resourceType").GetString().ShouldBe("CapabilityStatement");
        statement.GetProperty("fhirVersion").GetString().ShouldBe("4.0.1");
        var rest = statement.GetProperty("rest")[0];
        rest.GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()).ShouldBe(["batch", "transaction"]);
        var observation = rest.GetProperty("resource").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "Observation");
        observation.GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()).ShouldBe(["create", "read", "search-type"]);
        observation.GetProperty("searchParam").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ShouldContain("date");
        observation.GetProperty("operation")[0].GetProperty("name").GetString().ShouldBe("lastn");
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : FhirQueryTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : FhirQueryTests(fixture), IClassFixture<DistributedServerFixture>;
}

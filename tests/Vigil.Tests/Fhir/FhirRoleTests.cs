using System.Net;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Fhir;

/// <summary><c>--roles</c>: FHIR ingest belongs to the ingest role, FHIR reads to the api role, and metadata says which this process serves.</summary>
public sealed class FhirRoleTests
{
    [Fact]
    public async Task An_api_process_answers_fhir_searches_takes_no_fhir_ingest_and_its_metadata_says_so()
    {
        await using var server = await VigilServer.StartAsync(settings: new Dictionary<string, string?> { ["Vigil:Roles"] = "api" });
        var key = await server.CreateCustomerAsync("fhir-roles");
        using var admin = server.Client(key);
        using var anonymous = server.Client();
        (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", name = "Pat" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        var search = await (await admin.Get("/fhir/Observation?patient=p")).ShouldBeFhirAsync(HttpStatusCode.OK);
        search.GetProperty("entry").GetArrayLength().ShouldBe(0);
        (await admin.PostFhirAsync("/fhir/Observation", Fhir.Observation("8867-4", Fhir.Quantity(70, "/min")))).StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await admin.PostFhirAsync("/fhir", Fhir.Bundle("batch", Fhir.Observation("8867-4", Fhir.Quantity(70, "/min"))))).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var statement = await (await anonymous.Get("/fhir/metadata")).ShouldBeFhirAsync(HttpStatusCode.OK);
        var rest = statement.GetProperty("rest")[0];
        rest.TryGetProperty("interaction", out _).ShouldBeFalse();
        var observation = rest.GetProperty("resource").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "Observation");
        observation.GetProperty("interaction").EnumerateArray().Select(i => i.GetProperty("code").GetString()).ShouldBe(["read", "search-type"]);
        new SqliteVigilDatabase(server.DataDir).Count("readings", "fhir-roles").ShouldBe(0);
    }
}

using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Fhir;

/// <summary>Requests and checks the FHIR tests share: application/fhir+json bodies and OperationOutcome answers.</summary>
internal static class Fhir
{
    public const string MediaType = "application/fhir+json";

    public static string SyntheaDir => Path.Combine(AppContext.BaseDirectory, "Fhir", "Synthea");

    public static IReadOnlyList<string> SyntheaBundles => Directory.GetFiles(SyntheaDir, "*.json").Order().ToList();

    public static Task<HttpResponseMessage> PostFhirAsync(this HttpClient client, string url, string json) =>
        client.PostAsync(url, new StringContent(json, Encoding.UTF8, MediaType), Http.Ct);

    public static Task<HttpResponseMessage> PostFhirAsync(this HttpClient client, string url, object resource) =>
        client.PostFhirAsync(url, JsonSerializer.Serialize(resource));

    /// <summary>Asserts the status and the FHIR media type, and returns the resource.</summary>
    public static async Task<JsonElement> ShouldBeFhirAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.ShouldBeAsync(status);
        response.Content.Headers.ContentType?.MediaType.ShouldBe(MediaType);
        return body;
    }

    /// <summary>Asserts an OperationOutcome answer with <paramref name="status"/> and returns its issues.</summary>
    public static async Task<IReadOnlyList<JsonElement>> ShouldBeOutcomeAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var outcome = await response.ShouldBeFhirAsync(status);
        outcome.GetProperty("resourceType").GetString().ShouldBe("OperationOutcome");
        return outcome.GetProperty("issue").EnumerateArray().ToList();
    }

    public static IReadOnlyList<string> Expressions(this IEnumerable<JsonElement> issues) =>
        issues.Where(i => i.TryGetProperty("expression", out _)).Select(i => i.GetProperty("expression")[0].GetString()!).ToList();

    /// <summary>A vital-signs Observation as the profile writes it, with the fields a test changes given as JSON.</summary>
    public static string Observation(string code, string valueJson, string subject = """{"reference":"Patient/p"}""", string extra = "",
        string effective = "2026-03-01T10:00:00Z") => $$"""
        {"resourceType":"Observation","status":"final",
         "category":[{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-category","code":"vital-signs"}]}],
         "code":{"coding":[{"system":"http://loinc.org","code":"{{code}}"}]},
         "subject":{{subject}},"effectiveDateTime":"{{effective}}"{{(valueJson.Length > 0 ? "," + valueJson : "")}}{{extra}}}
        """;

    public static string Quantity(double value, string unit) =>
        $$"""
        "valueQuantity":{"value":{{value.ToString(System.Globalization.CultureInfo.InvariantCulture)}},"unit":"{{unit}}","system":"http://unitsofmeasure.org","code":"{{unit}}"}
        """;

    public static string Bundle(string type, params string[] resources)
    {
        var entries = resources.Select(r =>
        {
            var resourceType = JsonDocument.Parse(r).RootElement.GetProperty("resourceType").GetString();
            return $"{{\"resource\":{r},\"request\":{{\"method\":\"POST\",\"url\":\"{resourceType}\"}}}}";
        });
        return $"{{\"resourceType\":\"Bundle\",\"type\":\"{type}\",\"entry\":[{string.Join(",", entries)}]}}";
    }

    public static IReadOnlyList<JsonElement> ResponseEntries(this JsonElement bundle) =>
        bundle.GetProperty("entry").EnumerateArray().Select(e => e.GetProperty("response")).ToList();

    /// <summary>Runs Debian's python3 on <paramref name="script"/>; fails under CI=true when it is missing, else skips.</summary>
    public static async Task<JsonElement> PythonAsync(string script, params string[] args)
    {
        const string Python = "/usr/bin/python3";
        if (!File.Exists(Python))
        {
            const string message = "Debian's python3 is not installed: run scripts/test-deps/tools.sh (./test.sh does) or apt-get install python3";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(script);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(Http.Ct);
        var error = process.StandardError.ReadToEndAsync(Http.Ct);
        await process.WaitForExitAsync(Http.Ct);
        process.ExitCode.ShouldBe(0, await error);
        return JsonDocument.Parse(await output).RootElement.Clone();
    }
}

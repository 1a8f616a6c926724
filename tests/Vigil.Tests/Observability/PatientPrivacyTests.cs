using System.Net;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Observability;

/// <summary>
/// Patient-identifying fields never appear in logs or metrics: a real <c>vigil serve</c> process with Debug logging for
/// every category takes in a patient with distinctive id, name, MRN and device serial over the API, raises an alert,
/// answers reads, a 404 and a 422 that name patients, and stops; neither its whole console output nor /metrics holds any
/// of them.
/// </summary>
public sealed class PatientPrivacyTests
{
    private const string PatientId = "pii-pat-7q4z";
    private const string Name = "Zebulon Quixotic-Marrow";
    private const string Mrn = "MRN-99173-XQ";
    private const string DeviceId = "pii-dev-k8j2";
    private const string Serial = "SER-PII-55731";
    private const string Ghost = "pii-ghost-3w9";

    [Fact]
    public async Task Ingest_and_queries_with_debug_logging_leave_no_patient_identifier_in_the_log_or_in_metrics()
    {
        await using var vigil = await RunningProcess.StartAsync(
            ["--Logging:LogLevel:Default", "Debug", "--Logging:LogLevel:Microsoft", "Debug", "--Logging:LogLevel:Microsoft.AspNetCore", "Debug"]);
        var key = await vigil.CustomerKeyAsync("privacy");
        using var admin = vigil.Client(key);
        (await admin.PostJsonAsync("/api/v1/patients", new { id = PatientId, name = Name, mrn = Mrn })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PostJsonAsync("/api/v1/devices", new { id = DeviceId, serial = Serial, type = "monitor", patientId = PatientId }))
            .StatusCode.ShouldBe(HttpStatusCode.Created);
        (await admin.PutJsonAsync("/api/v1/thresholds",
                new { scope = new { customerId = "privacy" }, rules = new[] { new { type = "heart_rate", low = 40, high = 100, severity = "high" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);

        var at = DateTimeOffset.UtcNow.AddMinutes(-5);
        (await admin.PostJsonAsync("/api/v1/readings", new[]
        {
            new { id = "r1", patientId = PatientId, deviceId = DeviceId, type = "heart_rate", value = 140.0, observedAt = at.ToString("O") },
            new { id = "r2", patientId = PatientId, deviceId = DeviceId, type = "spo2", value = 97.0, observedAt = at.ToString("O") },
        })).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        (await admin.PostJsonAsync("/api/v1/readings", new[] { new { id = "r3", patientId = Ghost, type = "heart_rate", value = 70.0, observedAt = at.ToString("O") } }))
            .StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await admin.Get($"/api/v1/patients/{Ghost}/readings")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.Get($"/api/v1/patients/{PatientId}/readings?type=heart_rate")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await admin.Get($"/api/v1/patients/{PatientId}")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // The reading went through every stage once its alert exists.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((await (await admin.Get("/api/v1/alerts")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength() == 0)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "no alert was raised");
            await Task.Delay(100, Http.Ct);
        }

        using var anonymous = vigil.Client();
        var metrics = await anonymous.GetStringAsync("/metrics", Http.Ct);
        (await vigil.Process.TerminateAsync(TimeSpan.FromSeconds(30))).ShouldBe(0);
        var log = vigil.Process.Output;

        log.ShouldContain("\"LogLevel\":\"Debug\"", customMessage: "Debug logging was not on");
        metrics.ShouldContain("vigil_ingest_readings_total");
        foreach (var identifier in new[] { PatientId, Name, Mrn, DeviceId, Serial, Ghost })
        {
            log.ShouldNotContain(identifier, Case.Insensitive);
            metrics.ShouldNotContain(identifier, Case.Insensitive);
        }
    }
}

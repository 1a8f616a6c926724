using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;
using Vigil.Domain.Simulation;
using Vigil.Processing.Analysis;
using Vigil.Simulation;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Simulation;

/// <summary>The simulator against a real server: set-up over the API, readings arriving, and the alerts its courses should raise.</summary>
public abstract partial class SimulatorTests(ServerFixture fixture)
{
    private VigilServer Server => fixture.Server;

    private static string Unique(string name) => $"{name}-{Guid.NewGuid().ToString("N")[..6]}";

    private static async Task<List<JsonElement>> ItemsAsync(HttpClient client, string url)
    {
        var body = await (await client.Get(url)).ShouldBeAsync(HttpStatusCode.OK);
        return [.. (body.ValueKind == JsonValueKind.Array ? body : body.GetProperty("items")).EnumerateArray()];
    }

    /// <summary>Runs <c>vigil simulate</c>'s engine with the system key (over gRPC to <paramref name="grpc"/> if given); the exit code and what it printed.</summary>
    private async Task<(int Exit, string Output)> SimulateAsync(SimulationSettings settings, Uri? grpc = null)
    {
        var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, Interactive = InteractionSupport.No });
        var exit = await SimulateCommand.RunAsync(Server.BaseAddress, Server.AdminKey, settings, console, Http.Ct, grpc);
        return (exit, output.ToString());
    }

    [GeneratedRegex(@"Done: sent ([\d,]+) accepted ([\d,]+) duplicates ([\d,]+) rejected ([\d,]+)")]
    private static partial Regex DoneLine();

    [Fact]
    public async Task Simulate_creates_its_customer_department_patients_and_monitors_and_every_reading_arrives_also_on_a_rerun()
    {
        var customer = Unique("sim");
        var settings = new SimulationSettings
        {
            CustomerId = customer, DepartmentId = "ward", PatientPrefix = "p", Patients = 3, Rate = 3 * 8 / 60.0,
            Duration = TimeSpan.FromMinutes(30), Speed = 0, Scenario = Scenario.Stable, Seed = 4,
        };

        var (exit, output) = await SimulateAsync(settings);
        exit.ShouldBe(0, output);
        var done = DoneLine().Match(output);
        done.Success.ShouldBeTrue(output);
        long Count(int group) => long.Parse(done.Groups[group].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        var accepted = Count(2);
        accepted.ShouldBe(Count(1));
        Count(4).ShouldBe(0);
        // Three patients, a round a minute for 30 minutes (31 rounds), eight readings a round less ~2% dropouts.
        accepted.ShouldBeInRange((long)(3 * 31 * 8 * 0.93), 3 * 31 * 8);

        using var admin = Server.Client(await Server.CreateKeyAsync(customer, "admin"));
        (await (await admin.Get($"/api/v1/customers/{customer}/departments/ward")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("id").GetString().ShouldBe("ward");
        var patients = await ItemsAsync(admin, "/api/v1/patients?departmentId=ward");
        patients.Select(p => p.GetProperty("id").GetString()).Order().ShouldBe(["p001", "p002", "p003"]);
        var devices = await ItemsAsync(admin, "/api/v1/devices");
        devices.Select(d => d.GetProperty("patientId").GetString()).Order().ShouldBe(["p001", "p002", "p003"]);
        var stored = 0;
        foreach (var id in new[] { "p001", "p002", "p003" })
        {
            stored += (await ItemsAsync(admin, $"/api/v1/patients/{id}/readings?limit=10000")).Count;
        }

        stored.ShouldBe((int)accepted);

        // A rerun finds its reference data in place and adds its own readings.
        var (again, againOutput) = await SimulateAsync(settings with { Duration = TimeSpan.FromMinutes(5) });
        again.ShouldBe(0, againOutput);
        (await ItemsAsync(admin, "/api/v1/patients?departmentId=ward")).Count.ShouldBe(3);
        (await ItemsAsync(admin, "/api/v1/patients/p001/readings?limit=10000")).Count.ShouldBeGreaterThan(stored / 3);

        // The simulator's own customer admin key is revoked when it is done: only the key made above is left.
        using var system = Server.Client(Server.AdminKey);
        var keys = (await (await system.Get("/api/v1/api-keys")).ShouldBeAsync(HttpStatusCode.OK));
        var items = keys.ValueKind == JsonValueKind.Array ? keys : keys.GetProperty("items");
        items.EnumerateArray().Count(k => k.GetProperty("customerId").GetString() == customer && k.GetProperty("name").GetString() == "simulator"
            && (!k.TryGetProperty("revokedAt", out var r) || r.ValueKind == JsonValueKind.Null)).ShouldBe(0);
    }

    [Fact]
    public async Task Simulate_over_gRPC_stores_every_reading_with_its_device_and_unit()
    {
        var customer = Unique("simg");
        var settings = new SimulationSettings
        {
            CustomerId = customer, DepartmentId = "ward", PatientPrefix = "p", Patients = 2, Rate = 2 * 8 / 60.0,
            Duration = TimeSpan.FromMinutes(20), Speed = 0, Scenario = Scenario.Stable, Seed = 6, BatchSize = 50,
        };

        var (exit, output) = await SimulateAsync(settings, new Uri($"http://{Server.GrpcTarget}"));
        exit.ShouldBe(0, output);
        output.ShouldContain($"Readings go over gRPC to http://{Server.GrpcTarget}");
        var done = DoneLine().Match(output);
        done.Success.ShouldBeTrue(output);
        long Count(int group) => long.Parse(done.Groups[group].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);
        Count(2).ShouldBe(Count(1));
        Count(4).ShouldBe(0);
        // Two patients, a round a minute for 20 minutes (21 rounds), eight readings a round less ~2% dropouts.
        Count(2).ShouldBeInRange((long)(2 * 21 * 8 * 0.93), 2 * 21 * 8);

        using var admin = Server.Client(await Server.CreateKeyAsync(customer, "admin"));
        var stored = new List<JsonElement>();
        foreach (var id in new[] { "p001", "p002" })
        {
            stored.AddRange(await ItemsAsync(admin, $"/api/v1/patients/{id}/readings?limit=10000"));
        }

        stored.Count.ShouldBe((int)Count(2));
        stored.ShouldAllBe(r => r.GetProperty("id").GetString()!.StartsWith("sim-p00", StringComparison.Ordinal));
        stored.ShouldAllBe(r => r.GetProperty("deviceId").GetString() == SimulationSetup.MonitorOf(r.GetProperty("patientId").GetString()!));
        var spo2 = stored.First(r => r.GetProperty("type").GetString() == "spo2");
        spo2.GetProperty("unit").GetString().ShouldBe("%");
        stored.ShouldContain(r => r.GetProperty("type").GetString() == "consciousness" && r.GetProperty("value").GetString() == "A");
        stored.ShouldContain(r => r.GetProperty("type").GetString() == "oxygen_supplement" && r.GetProperty("value").ValueKind == JsonValueKind.False);
    }

    [Fact]
    public async Task Deteriorating_courses_raise_their_alerts_and_a_stable_patient_raises_none()
    {
        var customer = Unique("course");
        using var admin = Server.Client(await Server.CreateCustomerAsync(customer));
        var settings = new SimulationSettings
        {
            CustomerId = customer, DepartmentId = "ward", PatientPrefix = "p", Patients = 4, Rate = 4 * 8 / 120.0,
            Duration = TimeSpan.FromHours(3), Speed = 0, Scenario = Scenario.Stable, Seed = 9,
            // One round of the ward per request, as a real-time run sends them: NEWS2 is scored per batch the analyzer takes.
            BatchSize = 4 * 8,
        };
        var run = new SimulationRun(settings, new HttpReadingSender(admin, TimeProvider.System), TimeProvider.System);
        await SimulationSetup.WardAsync(admin, customer, settings, run.Patients.Select(p => p.Id), Http.Ct);
        run.ChangeCourse("p002", Scenario.Sepsis).ShouldBeTrue();
        run.ChangeCourse("p003", Scenario.Hypoxia).ShouldBeTrue();
        run.ChangeCourse("p004", Scenario.Bradycardia).ShouldBeTrue();

        await run.RunAsync(Http.Ct);
        var status = run.Status();
        status.Rejected.ShouldBe(0, status.LastError);
        status.Accepted.ShouldBeGreaterThan(4 * 90 * 7);

        // One more reading per patient, after the run's last: once the analyzer has handled it, it has handled all
        // before it (one patient's readings are processed in order).
        var analyzer = Server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();
        var last = status.SimulatedTime!.Value.AddSeconds(1);
        var markers = run.Patients.Select(p => new { id = $"marker-{p.Id}", patientId = p.Id, type = "weight", value = 70, observedAt = last.ToString("O") }).ToList();
        var handled = markers.Select(m => analyzer.WhenHandled(customer, m.id)).ToList();
        (await admin.PostJsonAsync("/api/v1/readings", markers)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(60), Http.Ct);

        async Task<HashSet<string>> RulesAsync(string patientId) =>
            [.. (await ItemsAsync(admin, $"/api/v1/alerts?patientId={patientId}&limit=1000")).Select(a => a.GetProperty("rule").GetString()!)];

        (await RulesAsync("p001")).ShouldBeEmpty();
        // Sepsis: the rise in respiration crosses its limit at any hour; pulse, pressure and temperature end near theirs,
        // on which side depends on the daily rhythm at the hour the test runs (the run ends now), so two of the three.
        var septic = await RulesAsync("p002");
        string[] p002Expected = ["news2", "threshold:respiratory_rate"];
        p002Expected.ShouldBeSubsetOf(septic);
        new[] { "threshold:heart_rate", "threshold:systolic_bp", "threshold:temperature" }.Count(septic.Contains).ShouldBeGreaterThanOrEqualTo(2, string.Join(", ", septic));
        string[] p003Expected = ["news2", "threshold:spo2"];
        p003Expected.ShouldBeSubsetOf(await RulesAsync("p003"));
        string[] p004Expected = ["news2", "threshold:heart_rate"];
        p004Expected.ShouldBeSubsetOf(await RulesAsync("p004"));
        var septicScore = await (await admin.Get("/api/v1/patients/p002/news2")).ShouldBeAsync(HttpStatusCode.OK);
        septicScore.GetProperty("risk").GetString().ShouldBe("high");
        var stable = await (await admin.Get("/api/v1/patients/p001/news2")).ShouldBeAsync(HttpStatusCode.OK);
        stable.GetProperty("risk").GetString().ShouldBe("low");
    }

    public sealed class Embedded(ServerFixture fixture) : SimulatorTests(fixture), IClassFixture<ServerFixture>;

    public sealed class Distributed(DistributedServerFixture fixture) : SimulatorTests(fixture), IClassFixture<DistributedServerFixture>;
}

using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using Npgsql;
using Vigil.Tests.Distributed;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Dashboard;

/// <summary>
/// The dashboard served by a process that runs only the api role, while another process ingests, enriches and
/// analyzes, both on the test PostgreSQL and Kafka: the page's tile changes when the other process commits a reading,
/// which only PostgreSQL's notifications can have told the api process.
/// </summary>
public sealed class DashboardAcrossProcessesTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "vigil-dash-" + Guid.NewGuid().ToString("N"));
    private readonly string _database = $"vigil_dash_{Guid.NewGuid():N}";
    private string _server = "";
    private string _kafka = "";

    public async ValueTask InitializeAsync()
    {
        (_server, _kafka) = DistributedServers.Require();
        await DistributedServers.CreateDatabaseAsync(_server, _database, Http.Ct);
    }

    public async ValueTask DisposeAsync()
    {
        if (_server.Length > 0)
        {
            await DistributedServers.DropDatabaseAsync(_server, _database);
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // A process never started.
        }
        catch (IOException)
        {
            // A file still open; the temp directory is cleaned by the OS.
        }
    }

    private IReadOnlyList<string> Args(string roles, string prefix) =>
    [
        "--roles", roles, "--storage", "postgres",
        "--connection-string", new NpgsqlConnectionStringBuilder(_server) { Database = _database }.ConnectionString,
        "--log", "kafka", "--kafka-bootstrap", _kafka,
        .. DistributedServers.KafkaClientSettings().SelectMany(s => new[] { "--kafka-config", s }), "--Kafka:Prefix", prefix,
    ];

    [Fact]
    public async Task A_tile_served_by_an_api_only_process_changes_when_another_process_analyzes_a_reading()
    {
        var ct = Http.Ct;
        var prefix = $"d{Guid.NewGuid():N}"[..13] + ".";
        await using var pipeline = await VigilProcess.StartAsync(Path.Combine(_root, "pipeline"), ct, Args("ingest,enrich,analyze", prefix));
        await using var api = await VigilProcess.StartAsync(Path.Combine(_root, "api"), ct, Args("api", prefix));
        // The pipeline process started first on the empty database and wrote the bootstrap key.
        var adminKey = (await File.ReadAllTextAsync(Path.Combine(_root, "pipeline", "admin.key"), ct)).Trim();
        using var admin = new HttpClient { BaseAddress = api.BaseAddress };
        admin.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
        (await admin.PostAsJsonAsync("/api/v1/customers", new { id = "ward", name = "Ward" }, ct)).EnsureSuccessStatusCode();
        var created = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "nurse", role = "clinician", customerId = "ward" }, ct))
            .Content.ReadFromJsonAsync<JsonElement>(ct);
        var key = created.GetProperty("key").GetString()!;
        var adminOfWard = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "admin", role = "admin", customerId = "ward" }, ct))
            .Content.ReadFromJsonAsync<JsonElement>(ct);
        using var wardAdmin = new HttpClient { BaseAddress = api.BaseAddress };
        wardAdmin.DefaultRequestHeaders.Add("X-Api-Key", adminOfWard.GetProperty("key").GetString());
        (await wardAdmin.PostAsJsonAsync("/api/v1/patients", new { id = "p1", name = "Ann Smith" }, ct)).StatusCode.ShouldBe(HttpStatusCode.Created);
        using var device = new HttpClient { BaseAddress = pipeline.BaseAddress };
        device.DefaultRequestHeaders.Add("X-Api-Key", key);

        await using var context = await Browser.NewContextAsync(api.BaseAddress);
        var page = await context.NewPageAsync();
        await Browser.SignInAsync(page, key);
        await page.EvaluateAsync("() => { window.vigilTestMarker = 'same page'; }");

        foreach (var (value, id) in new[] { (72, "r1"), (96, "r2") })
        {
            (await device.PostAsJsonAsync("/api/v1/readings",
                    new { id, patientId = "p1", type = "heart_rate", value, observedAt = DateTimeOffset.UtcNow.AddSeconds(-1).ToString("O") }, ct))
                .StatusCode.ShouldBe(HttpStatusCode.Accepted);
            // Through Kafka twice (enrich, analyze) in the other process, then PostgreSQL's notification to this one.
            await Assertions.Expect(page.Locator("[data-patient-id=p1] [data-vital=heart_rate] dd"))
                .ToHaveTextAsync($"{value} /min", new() { Timeout = 30_000 });
        }

        (await page.EvaluateAsync<string>("() => window.vigilTestMarker")).ShouldBe("same page");
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("live-tile-across-processes"), FullPage = true });
    }
}

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Vigil.Domain.Log;
using Vigil.Hosting;
using Vigil.Hosting.Readiness;
using Vigil.Processing;
using Vigil.Processing.Alerts;
using Vigil.Processing.Events;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Hosting;

/// <summary><c>--roles</c>: a process runs only the endpoint groups and hosted services of its roles.</summary>
public sealed class RoleTests
{
    private static Dictionary<string, string?> Roles(string roles) => new() { ["Vigil:Roles"] = roles };

    [Fact]
    public async Task An_ingest_and_api_process_accepts_readings_and_answers_queries_but_enriches_nothing()
    {
        await using var server = await VigilServer.StartAsync(settings: Roles("ingest,api"));
        using var tenant = await Tenant.CreateAsync(server, "roles-ingest-api");

        (await tenant.Device.PostJsonAsync("/api/v1/readings", new { patientId = "p", type = "heart_rate", value = 70, observedAt = "2026-01-01T00:00:00Z" }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await (await tenant.Admin.Get("/api/v1/alerts")).ShouldBeAsync(HttpStatusCode.OK);

        var hosted = server.Services.GetServices<IHostedService>().ToList();
        hosted.OfType<LogConsumerService>().ShouldBeEmpty();
        hosted.OfType<EventProcessor>().ShouldBeEmpty();
        hosted.OfType<AlertSweeper>().ShouldBeEmpty();
        var db = new SqliteVigilDatabase(server.DataDir);
        db.LogCount(Topics.ReadingsRaw).ShouldBe(1);
        db.LogCount(Topics.ReadingsEnriched).ShouldBe(0);
        (await ReadyModulesAsync(server)).ShouldBe(["ingest", "api"]);
    }

    [Fact]
    public async Task An_enrich_process_maps_no_api_or_ingest_endpoints_and_reports_only_enrich()
    {
        await using var server = await VigilServer.StartAsync(settings: Roles("enrich"));
        using var admin = server.Client(server.AdminKey);
        using var anonymous = server.Client();

        (await admin.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.Get("/openapi/v1.json")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await admin.PostJsonAsync("/api/v1/readings", new { })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        // Authentication stays on: without a key nothing tells which routes exist.
        (await anonymous.Get("/api/v1/patients")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.Get("/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);

        var ready = await (await anonymous.Get("/health/ready")).ShouldBeAsync(HttpStatusCode.OK);
        var enrich = ready.GetProperty("modules").GetProperty("enrich");
        enrich.GetProperty("status").GetString().ShouldBe("healthy");
        enrich.GetProperty("dependencies").GetProperty("consumer").GetString().ShouldBe("assigned");
        (await ReadyModulesAsync(server)).ShouldBe(["enrich"]);
        server.Services.GetServices<IHostedService>().OfType<LogConsumerService>().Select(s => s.GetType().Name).ShouldBe(["ReadingEnricher"]);
    }

    [Fact]
    public async Task By_default_ready_lists_every_role_with_its_dependencies()
    {
        await using var server = await VigilServer.StartAsync();

        using var client = server.Client();
        var ready = await (await client.Get("/health/ready")).ShouldBeAsync(HttpStatusCode.OK);

        ready.GetProperty("status").GetString().ShouldBe("healthy");
        var modules = ready.GetProperty("modules");
        modules.EnumerateObject().Select(m => m.Name).ShouldBe(["ingest", "enrich", "analyze", "process", "notify", "api", "hl7"]);
        Dependencies(modules, "ingest").ShouldBe(new Dictionary<string, string> { ["database"] = "healthy", ["log"] = "healthy" });
        Dependencies(modules, "api").ShouldBe(new Dictionary<string, string> { ["database"] = "healthy", ["log"] = "healthy" });
        foreach (var consuming in new[] { "enrich", "analyze", "process" })
        {
            Dependencies(modules, consuming).ShouldBe(new Dictionary<string, string> { ["database"] = "healthy", ["log"] = "healthy", ["consumer"] = "assigned" });
        }

        // A role's own workers count too: notify's webhook dispatcher, hl7's MLLP listener.
        Dependencies(modules, "notify").ShouldBe(
            new Dictionary<string, string> { ["database"] = "healthy", ["log"] = "healthy", ["consumer"] = "assigned", ["dispatcher"] = "running" });
        Dependencies(modules, "hl7").ShouldBe(new Dictionary<string, string> { ["database"] = "healthy", ["log"] = "healthy", ["listener"] = "running" });
    }

    [Fact]
    public async Task Ready_answers_503_and_says_why_while_a_dependency_is_down()
    {
        var database = new SwitchableProbe("database");
        await using var server = await VigilServer.StartAsync(
            configure: b => b.Services.AddSingleton<IReadinessProbe>(database), settings: Roles("ingest,process"));
        using var client = server.Client();

        database.Down = true;
        var response = await client.Get("/health/ready");

        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var body = await response.JsonAsync();
        body.GetProperty("status").GetString().ShouldBe("unhealthy");
        foreach (var role in new[] { "ingest", "process" })
        {
            var module = body.GetProperty("modules").GetProperty(role);
            module.GetProperty("status").GetString().ShouldBe("unhealthy");
            module.GetProperty("detail").GetString().ShouldBe("test database is down");
        }

        database.Down = false;
        (await client.Get("/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public void A_consumer_is_ready_only_while_assigned()
    {
        var consumer = new ConsumerReadiness();
        (consumer.State, consumer.Ready).ShouldBe(("waiting", false));
        consumer.Assigned();
        (consumer.State, consumer.Ready).ShouldBe(("assigned", true));
        consumer.Stopped();
        (consumer.State, consumer.Ready).ShouldBe(("stopped", false));
    }

    [Theory]
    [InlineData("all", "ingest,enrich,analyze,process,notify,api,hl7")]
    [InlineData("api, Ingest", "ingest,api")]
    [InlineData("analyze", "analyze")]
    [InlineData("notify,all", "ingest,enrich,analyze,process,notify,api,hl7")]
    public void Roles_parse_in_table_order(string value, string expected) =>
        string.Join(",", Vigil.Hosting.Roles.Parse(value).Select(Vigil.Hosting.Roles.Name)).ShouldBe(expected);

    [Fact]
    public void The_role_table_gives_each_module_to_exactly_one_role()
    {
        var modules = Enum.GetValues<ProcessRole>().SelectMany(Vigil.Hosting.Roles.ModulesOf).ToList();
        modules.ShouldBe(Enum.GetValues<Module>(), ignoreOrder: true);
        Vigil.Hosting.Roles.ModulesOf(ProcessRole.Notify).ShouldBe([Module.Notifier]);
    }

    [Theory]
    [InlineData("Roles", "ingest,bogus", "unknown role 'bogus' (--roles, Vigil:Roles); roles: ingest, enrich, analyze, process, notify, api, hl7, all")]
    [InlineData("Roles", " , ", "no roles given")]
    [InlineData("Storage", "mysql", "unknown storage 'mysql' (--storage, Vigil:Storage): sqlite or postgres")]
    [InlineData("Log", "rabbit", "unknown event log 'rabbit' (--log, Vigil:Log): embedded or kafka")]
    public void Settings_that_cannot_work_are_refused_with_what_to_fix(string setting, string value, string message)
    {
        var options = new VigilOptions();
        typeof(VigilOptions).GetProperty(setting)!.SetValue(options, value);

        Should.Throw<StartupException>(() => Deployment.From(options)).Message.ShouldStartWith(message);
    }

    [Fact]
    public void Each_store_goes_with_its_log_and_each_needs_its_address()
    {
        Should.Throw<StartupException>(() => Deployment.From(new VigilOptions { Storage = "postgres" }))
            .Message.ShouldContain("--storage postgres needs --connection-string");
        Should.Throw<StartupException>(() => Deployment.From(new VigilOptions { Storage = "postgres", ConnectionString = "Host=db" }))
            .Message.ShouldContain("--storage postgres needs --log kafka");
        Should.Throw<StartupException>(() => Deployment.From(new VigilOptions { Storage = "postgres", ConnectionString = "Host=db", Log = "kafka" }))
            .Message.ShouldContain("--log kafka needs --kafka-bootstrap");
        Should.Throw<StartupException>(() => Deployment.From(new VigilOptions { Log = "kafka", KafkaBootstrap = "k:9092" }))
            .Message.ShouldContain("--log kafka needs --storage postgres");

        var distributed = Deployment.From(new VigilOptions { Storage = "Postgres", ConnectionString = "Host=db", Log = "KAFKA", KafkaBootstrap = "k:9092", Roles = "enrich" });
        distributed.ShouldBe(new Deployment(distributed.Roles, StorageKind.Postgres, EventLogKind.Kafka));
        distributed.Roles.ShouldBe([ProcessRole.Enrich]);
        distributed.Runs(Module.ReadingEnricher).ShouldBeTrue();
        distributed.Runs(Module.ApiEndpoints).ShouldBeFalse();
    }

    private static async Task<List<string>> ReadyModulesAsync(VigilServer server)
    {
        using var client = server.Client();
        var ready = await (await client.Get("/health/ready")).ShouldBeAsync(HttpStatusCode.OK);
        return [.. ready.GetProperty("modules").EnumerateObject().Select(m => m.Name)];
    }

    private static Dictionary<string, string> Dependencies(JsonElement modules, string role) =>
        modules.GetProperty(role).GetProperty("dependencies").EnumerateObject().ToDictionary(d => d.Name, d => d.Value.GetString()!);

    private sealed class SwitchableProbe(string dependency) : IReadinessProbe
    {
        public volatile bool Down;

        public string Dependency => "test " + dependency;

        public Task<ProbeResult> CheckAsync(CancellationToken cancellationToken) =>
            Task.FromResult(Down ? new ProbeResult(false, "unreachable", $"test {dependency} is down") : ProbeResult.Healthy);
    }
}

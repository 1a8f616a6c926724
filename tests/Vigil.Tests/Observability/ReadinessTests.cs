using System.Net;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Observability;

/// <summary><c>/health/ready</c> names each module's dependencies, the roles' own workers included, in both modes.</summary>
public abstract class ReadinessTests(ServerFixture fixture)
{
    [Fact]
    public async Task Every_role_reports_its_dependencies_and_the_hl7_listener_and_webhook_dispatcher_report_running()
    {
        using var client = fixture.Server.Client();
        var ready = await (await client.Get("/health/ready")).ShouldBeAsync(HttpStatusCode.OK);
        var modules = ready.GetProperty("modules");
        foreach (var role in new[] { "ingest", "enrich", "analyze", "process", "notify", "api", "hl7" })
        {
            var module = modules.GetProperty(role);
            module.GetProperty("status").GetString().ShouldBe("healthy");
            module.GetProperty("dependencies").GetProperty("database").GetString().ShouldBe("healthy");
        }

        modules.GetProperty("hl7").GetProperty("dependencies").GetProperty("listener").GetString().ShouldBe("running");
        modules.GetProperty("notify").GetProperty("dependencies").GetProperty("dispatcher").GetString().ShouldBe("running");
        modules.GetProperty("notify").GetProperty("dependencies").GetProperty("consumer").GetString().ShouldBe("assigned");
    }

    public sealed class Embedded(ServerFixture fixture) : ReadinessTests(fixture), IClassFixture<ServerFixture>;

    public sealed class Distributed(DistributedServerFixture fixture) : ReadinessTests(fixture), IClassFixture<DistributedServerFixture>;
}

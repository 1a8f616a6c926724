using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Simulation;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Simulation;

/// <summary><c>serve --demo</c>: a demo customer with a streaming ward, a demo key, and the simulator's control API.</summary>
public sealed class DemoTests : IAsyncLifetime
{
    private VigilServer _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await VigilServer.StartAsync(settings: new Dictionary<string, string?> { [SimulationModule.DemoSetting] = "true" });

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_demo_ward_streams_with_a_demo_key_and_its_control_api_starts_stops_and_changes_courses()
    {
        var demo = _server.Services.GetRequiredService<DemoWard>();
        await demo.Ready.WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
        var key = (await File.ReadAllTextAsync(Path.Combine(_server.DataDir, DemoWard.KeyFileName), Http.Ct)).Trim();
        using var client = _server.Client(key);

        var status = await (await client.Get("/api/v1/simulator")).ShouldBeAsync(HttpStatusCode.OK);
        status.GetProperty("running").GetBoolean().ShouldBeTrue();
        status.GetProperty("customerId").GetString().ShouldBe("demo");
        var patients = status.GetProperty("patients").EnumerateArray().ToList();
        patients.Count.ShouldBe(24);
        patients.Select(p => p.GetProperty("scenario").GetString()).Distinct().Count().ShouldBe(5);
        (await (await client.Get("/api/v1/patients?departmentId=demo-ward&limit=100")).ShouldBeAsync(HttpStatusCode.OK))
            .GetProperty("items").GetArrayLength().ShouldBe(24);

        // Data flows within seconds: every bed has readings soon after start (polled against a deadline).
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(30));
            while ((await (await client.Get("/api/v1/patients/bed-024/readings")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength() == 0)
            {
                await Task.Delay(100, deadline.Token);
            }
        }

        var invalid = await (await client.PutJsonAsync("/api/v1/simulator/patients/bed-001/scenario", new { scenario = "flu" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        invalid.Errors().ShouldContain((null, "scenario"));
        await (await client.PutJsonAsync("/api/v1/simulator/patients/nobody/scenario", new { scenario = "sepsis" }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var changed = await (await client.PutJsonAsync("/api/v1/simulator/patients/bed-001/scenario", new { scenario = "sepsis" }))
            .ShouldBeAsync(HttpStatusCode.OK);
        changed.GetProperty("scenario").GetString().ShouldBe("sepsis");

        var stopped = await (await client.PostJsonAsync("/api/v1/simulator/stop", new { })).ShouldBeAsync(HttpStatusCode.OK);
        stopped.GetProperty("running").GetBoolean().ShouldBeFalse();
        var sentWhenStopped = stopped.GetProperty("sent").GetInt64();
        (await (await client.Get("/api/v1/simulator")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("sent").GetInt64().ShouldBe(sentWhenStopped);
        var started = await (await client.PostJsonAsync("/api/v1/simulator/start", new { })).ShouldBeAsync(HttpStatusCode.OK);
        started.GetProperty("running").GetBoolean().ShouldBeTrue();

        // Another customer's admin and the system key do not see the simulator.
        using var other = _server.Client(await _server.CreateCustomerAsync("other-" + Guid.NewGuid().ToString("N")[..6]));
        await (await other.Get("/api/v1/simulator")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        using var system = _server.Client(_server.AdminKey);
        (await system.Get("/api/v1/simulator")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        // A viewer of the demo customer may not drive it.
        using var viewer = _server.Client(await _server.CreateKeyAsync("demo", "viewer"));
        (await viewer.PostJsonAsync("/api/v1/simulator/stop", new { })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}

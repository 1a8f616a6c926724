using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Vigil.Domain.Simulation;
using Vigil.Processing.Alerts;
using Vigil.Processing.Analysis;
using Vigil.Simulation;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Simulation;

/// <summary>
/// The simulator's <c>disconnect</c> course against the data-gap rule, which runs on the clock of receipt rather than
/// on event time: the simulator runs in real time on the same clock as the server, and the test moves that clock
/// forward, so the connected monitor keeps reporting through the jump while the disconnected one stays silent.
/// </summary>
public sealed class SimulatedDisconnectTests : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private VigilServer _server = null!;

    // The test sweeps when everything sent has been analysed; the sweeper's own timer must not run in between.
    public async ValueTask InitializeAsync() => _server = await VigilServer.StartAsync(
        configure: b => b.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)),
        settings: new Dictionary<string, string?> { ["Alerts:SweepInterval"] = "01:00:00" });

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    [Fact]
    public async Task A_disconnected_monitor_raises_a_data_gap_alert_and_a_connected_one_does_not()
    {
        var customer = $"gap-{Guid.NewGuid().ToString("N")[..6]}";
        using var admin = _server.Client(await _server.CreateCustomerAsync(customer));
        var settings = new SimulationSettings
        {
            CustomerId = customer, DepartmentId = "ward", PatientPrefix = "p", Patients = 2, Rate = 2 * 8 / 30.0,
            Duration = null, Speed = 1, Scenario = Scenario.Stable, Seed = 3, Timing = new CourseTiming(TimeSpan.FromMinutes(1), TimeSpan.Zero),
        };
        var run = new SimulationRun(settings, new HttpReadingSender(admin, _clock), _clock);
        await SimulationSetup.WardAsync(admin, customer, settings, run.Patients.Select(p => p.Id), Http.Ct);
        run.ChangeCourse("p002", Scenario.Disconnect).ShouldBeTrue();
        var analyzer = _server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();

        // Moves the clock on by `by` and waits until the simulator has sent (and Vigil acknowledged) the rounds due by
        // then, then until the analyzer has handled everything acknowledged: a marker reading per patient (no device)
        // is handled after every earlier reading of its patient. The run goes on meanwhile, as a ward's monitors do.
        var marker = 0;
        async Task AdvanceAsync(TimeSpan by)
        {
            var target = _clock.GetUtcNow() + by - settings.RoundInterval;
            var caughtUp = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Action<SimulationStatus> onProgress = status =>
            {
                if (status.SimulatedTime >= target)
                {
                    caughtUp.TrySetResult();
                }
            };
            run.Progressed += onProgress;
            try
            {
                _clock.Advance(by);
                await caughtUp.Task.WaitAsync(TimeSpan.FromSeconds(60), Http.Ct);
            }
            finally
            {
                run.Progressed -= onProgress;
            }

            run.Status().Rejected.ShouldBe(0, run.Status().LastError);
            marker++;
            var markers = run.Patients.Select(p => new { id = $"marker-{marker}-{p.Id}", patientId = p.Id, type = "weight", value = 70, observedAt = _clock.GetUtcNow().ToString("O") }).ToList();
            var handled = markers.Select(m => analyzer.WhenHandled(customer, m.id)).ToList();
            (await admin.PostJsonAsync("/api/v1/readings", markers)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
            await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(60), Http.Ct);
        }

        async Task<List<JsonElement>> GapsAsync(string patientId) =>
            [.. (await (await admin.Get($"/api/v1/alerts?patientId={patientId}&limit=100")).ShouldBeAsync(HttpStatusCode.OK))
                .GetProperty("items").EnumerateArray().Where(a => a.GetProperty("kind").GetString() == "data_gap")];

        // Real time from now; the clock moves only once the run has begun (its first round is acknowledged).
        var begun = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        run.Progressed += _ => begun.TrySetResult();
        var watch = _clock.GetUtcNow();
        run.Start(Http.Ct).ShouldBeTrue();
        await begun.Task.WaitAsync(TimeSpan.FromSeconds(60), Http.Ct);

        // Two minutes: both monitors report, and p002's goes silent after its first minute.
        await AdvanceAsync(TimeSpan.FromMinutes(2));
        run.Status().Patients.Single(p => p.Id == "p002").Disconnected.ShouldBeTrue();
        var sweeper = _server.Services.GetRequiredService<AlertSweeper>();
        await sweeper.SweepAsync(Http.Ct);
        (await GapsAsync("p002")).ShouldBeEmpty("two minutes of silence is within the default ten");

        // Eleven more minutes of real time: p001's monitor reports throughout, p002's stays silent.
        await AdvanceAsync(TimeSpan.FromMinutes(11));
        await sweeper.SweepAsync(Http.Ct);

        var gap = (await GapsAsync("p002")).ShouldHaveSingleItem();
        gap.GetProperty("rule").GetString().ShouldBe($"data_gap:{SimulationSetup.MonitorOf("p002")}");
        gap.GetProperty("status").GetString().ShouldBe("active");
        gap.GetProperty("message").GetString().ShouldStartWith($"device '{SimulationSetup.MonitorOf("p002")}' has sent nothing for 1");
        var lastSeen = gap.GetProperty("details").GetProperty("lastSeenAt").GetDateTimeOffset();
        lastSeen.ShouldBeGreaterThan(watch, "p002's monitor reported in the run's first minute");
        (await GapsAsync("p001")).ShouldBeEmpty();
        await run.StopAsync();
    }
}

using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Vigil.Processing.Alerts;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>
/// The alert rules that run on the clock: data gaps and auto-resolution without further readings. The server runs on a
/// clock the test moves forward, and the test runs the sweep itself rather than waiting for its timer.
/// </summary>
public sealed class AlertSweepTests : IAsyncLifetime
{
    private readonly ShiftedClock _clock = new();
    private VigilServer _server = null!;

    public async ValueTask InitializeAsync() =>
        _server = await VigilServer.StartAsync(configure: b => b.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(_clock)));

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private AlertSweeper Sweeper => _server.Services.GetRequiredService<AlertSweeper>();

    private async Task PostAsync(Tenant tenant, string id, string type, double value, DateTimeOffset at)
    {
        var handled = _server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single().WhenHandled(tenant.Id, id);
        (await tenant.Device.PostJsonAsync("/api/v1/readings", new { id, patientId = "p", deviceId = "d", type, value, observedAt = at.ToString("O") }))
            .StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await handled.WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
    }

    private static async Task<List<JsonElement>> AlertsAsync(Tenant tenant, string query) =>
        (await (await tenant.Admin.Get($"/api/v1/alerts?{query}")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();

    [Fact]
    public async Task A_device_silent_for_its_data_gap_time_raises_one_alert_that_its_next_reading_resolves()
    {
        using var tenant = await Tenant.CreateAsync(_server, "gap");
        await PostAsync(tenant, "r1", "heart_rate", 80, _clock.GetUtcNow());

        _clock.Advance(TimeSpan.FromMinutes(9));
        (await Sweeper.SweepAsync(Http.Ct)).ShouldBeEmpty("nine minutes of silence is within the default ten");

        _clock.Advance(TimeSpan.FromMinutes(2));
        var raised = (await Sweeper.SweepAsync(Http.Ct)).ShouldHaveSingleItem();
        raised.Rule.ShouldBe("data_gap:d");
        (await Sweeper.SweepAsync(Http.Ct)).ShouldBeEmpty("the open alert is not raised again");
        var alert = (await AlertsAsync(tenant, "rule=data_gap:d")).ShouldHaveSingleItem();
        alert.GetProperty("kind").GetString().ShouldBe("data_gap");
        alert.GetProperty("severity").GetString().ShouldBe("medium");
        alert.GetProperty("message").GetString().ShouldBe("device 'd' has sent nothing for 11 minutes");

        await PostAsync(tenant, "r2", "heart_rate", 81, _clock.GetUtcNow());

        var resolved = (await AlertsAsync(tenant, "rule=data_gap:d")).ShouldHaveSingleItem();
        resolved.GetProperty("status").GetString().ShouldBe("resolved");
        var history = await (await tenant.Admin.Get($"/api/v1/alerts/{resolved.GetProperty("id").GetString()}")).ShouldBeAsync(HttpStatusCode.OK);
        history.GetProperty("transitions")[1].GetProperty("note").GetString().ShouldBe("readings resumed");
    }

    [Fact]
    public async Task A_data_gap_rule_set_for_a_patient_changes_the_silence_allowed_and_unassigning_the_device_resolves_its_alert()
    {
        using var tenant = await Tenant.CreateAsync(_server, "gap-rule");
        (await tenant.Admin.PutJsonAsync("/api/v1/thresholds", new { scope = new { patientId = "p" }, rules = new[] { new { type = "data_gap", forSeconds = 120, severity = "high" } } }))
            .StatusCode.ShouldBe(HttpStatusCode.OK);
        await PostAsync(tenant, "r1", "heart_rate", 80, _clock.GetUtcNow());

        _clock.Advance(TimeSpan.FromMinutes(3));
        (await Sweeper.SweepAsync(Http.Ct)).ShouldContain(a => a.CustomerId == tenant.Id && a.Rule == "data_gap:d" && a.Severity == "high");

        (await tenant.Admin.PutJsonAsync("/api/v1/devices/d", new { serial = $"{tenant.Id}-d", type = "monitor" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Sweeper.SweepAsync(Http.Ct)).ShouldContain(a => a.CustomerId == tenant.Id && a.Status == "resolved");
        (await AlertsAsync(tenant, "status=open")).ShouldBeEmpty();
    }

    [Fact]
    public async Task An_alert_whose_condition_cleared_resolves_on_the_clock_when_no_further_reading_comes()
    {
        using var tenant = await Tenant.CreateAsync(_server, "clear");
        var now = _clock.GetUtcNow();
        await PostAsync(tenant, "r1", "systolic_bp", 80, now.AddMinutes(-2));
        await PostAsync(tenant, "r2", "systolic_bp", 120, now.AddMinutes(-1));
        (await AlertsAsync(tenant, "rule=threshold:systolic_bp&status=active")).ShouldHaveSingleItem();

        _clock.Advance(TimeSpan.FromMinutes(3));
        (await Sweeper.SweepAsync(Http.Ct)).ShouldNotContain(a => a.CustomerId == tenant.Id && a.Rule == "threshold:systolic_bp");

        _clock.Advance(TimeSpan.FromMinutes(2));
        (await Sweeper.SweepAsync(Http.Ct)).ShouldContain(a => a.CustomerId == tenant.Id && a.Rule == "threshold:systolic_bp" && a.Status == "resolved");
    }
}

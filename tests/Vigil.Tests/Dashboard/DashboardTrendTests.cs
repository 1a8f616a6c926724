using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;
using Vigil.Processing.Analysis;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Dashboard;

/// <summary>The patient view's trend labels in Debian's Chromium against a real embedded server.</summary>
public sealed class DashboardTrendTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private VigilServer Server => fixture.Server;

    [Fact]
    public async Task Each_chart_of_the_patient_view_labels_its_vitals_slope_over_6_and_24_hours_and_the_patients_own_baseline()
    {
        var ward = await Ward.CreateAsync(Server, "browser-trend", "p1");
        // Six hours of pulse rising 2 /min per hour and a flat SpO2, a reading every five minutes, the last a minute ago.
        var end = DateTimeOffset.UtcNow.AddMinutes(-1);
        var readings = Enumerable.Range(0, 72).SelectMany(i =>
        {
            var at = end.AddMinutes(-5 * (71 - i));
            var wobble = i % 2 == 0 ? 0.5 : -0.5;
            return new object[]
            {
                new { id = $"hr{i}", patientId = "p1", type = "heart_rate", value = 70 + (2 * i / 12.0) + wobble, observedAt = at.ToString("O") },
                new { id = $"sp{i}", patientId = "p1", type = "spo2", value = 97 + wobble, observedAt = at.ToString("O") },
            };
        }).ToList();
        var analyzer = Server.Services.GetServices<IHostedService>().OfType<Analyzer>().Single();
        var handled = readings.Select(r => analyzer.WhenHandled(ward.Id, (string)r.GetType().GetProperty("id")!.GetValue(r)!)).ToList();
        (await ward.Tenant.Device.PostJsonAsync("/api/v1/readings", readings)).StatusCode.ShouldBe(HttpStatusCode.Accepted);
        await Task.WhenAll(handled).WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);

        await using var context = await Browser.NewContextAsync(Server.BaseAddress);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);
        await Browser.SignInAsync(page, await Server.CreateKeyAsync(ward.Id, "viewer"));
        await page.GotoAsync("/#/patient/p1");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Patient p1");

        var pulse = page.Locator("[data-chart=heart_rate] [data-trend=heart_rate]");
        await Assertions.Expect(pulse).ToHaveTextAsync(new Regex(@"^Trend 6 h \+[12]\.\d\d /min per hour \(95 % CI \+\d\.\d\d to \+\d\.\d\d\), ↑ rising; 24 h \+[12]\.\d\d /min per hour .*↑ rising$"));
        await Assertions.Expect(page.Locator("[data-chart=spo2] [data-trend=spo2]")).ToContainTextAsync("→ steady");
        // The patient's own baseline, as the analyzer keeps it: 71 minutes completed (the 72nd is still open).
        await Assertions.Expect(page.Locator("[data-chart=heart_rate] [data-baseline=heart_rate]"))
            .ToHaveTextAsync(new Regex(@"^Own baseline \d+ /min, spread \d+\.\d, from 71 minutes$"));
        // No respiration readings: no trend label on that chart.
        await Assertions.Expect(page.Locator("[data-chart=respiratory_rate] [data-trend]")).ToHaveCountAsync(0);
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("patient-trends"), FullPage = true });

        // The label says what the API says.
        var trends = await (await ward.Tenant.Admin.Get("/api/v1/patients/p1/trends?type=heart_rate")).ShouldBeAsync(HttpStatusCode.OK);
        var sixHours = trends.GetProperty("trends").EnumerateArray().Single(t => t.GetProperty("span").GetString() == "6h");
        var slope = sixHours.GetProperty("slopePerHour").GetDouble();
        slope.ShouldBe(2, 0.1);
        (await pulse.TextContentAsync())!.ShouldContain($"+{slope:0.00} /min per hour");
        errors.ShouldBeEmpty();
    }
}

using System.Net;
using Microsoft.Playwright;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Dashboard;

/// <summary>Health goals in the patient view, in Debian's Chromium against a real embedded server.</summary>
public sealed class HealthGoalsBrowserTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private VigilServer Server => fixture.Server;

    [Fact]
    public async Task A_clinician_adds_a_goal_in_the_patient_view_and_its_progress_follows_the_readings_live()
    {
        var ward = await Ward.CreateAsync(Server, "goals", "p1");
        await ward.PostAsync(("s1", "p1", "steps", 4000));
        await using var context = await Browser.NewContextAsync(Server.BaseAddress);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        await Browser.SignInAsync(page, await Server.CreateKeyAsync(ward.Id, "clinician"));
        await page.Locator("#department").SelectOptionAsync("icu");
        await page.Locator("[data-patient-id=p1] h2 a").ClickAsync();
        await Assertions.Expect(page.Locator("#goal-list")).ToHaveTextAsync("No health goals.");

        // A weight goal needs a direction: the API's refusal shows, naming the field.
        await page.GetByLabel("Goal", new() { Exact = true }).SelectOptionAsync("weight");
        await page.GetByLabel("Target").FillAsync("70");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add goal" }).ClickAsync();
        await Assertions.Expect(page.Locator("#goal-message")).ToContainTextAsync("direction");

        await page.GetByLabel("Goal", new() { Exact = true }).SelectOptionAsync("steps_per_day");
        await page.GetByLabel("Target").FillAsync("8000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add goal" }).ClickAsync();
        var goal = page.Locator("[data-goal=steps_per_day]");
        await Assertions.Expect(goal).ToContainTextAsync("at least 8,000 steps per day");
        await Assertions.Expect(goal.Locator(".goal-value")).ToHaveTextAsync("4,000 steps");
        await Assertions.Expect(goal).ToContainTextAsync("not met yet");
        (await goal.Locator("meter").GetAttributeAsync("value")).ShouldBe("50");
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("patient-goals"), FullPage = true });

        // The day's running count passes the target: the patient view redraws on its own.
        await ward.PostAsync(("s2", "p1", "steps", 9100));
        await Assertions.Expect(goal.Locator(".goal-value")).ToHaveTextAsync("9,100 steps");
        await Assertions.Expect(goal).ToContainTextAsync("· met");
        (await goal.Locator("meter").GetAttributeAsync("value")).ShouldBe("100");

        var unlabelled = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('#goals input, #goals select, #goals button')]
              .filter(el => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
              .map(el => el.outerHTML)
            """);
        unlabelled.ShouldBeEmpty();

        await goal.GetByRole(AriaRole.Button, new() { Name = "Remove the steps per day goal" }).ClickAsync();
        await Assertions.Expect(page.Locator("#goal-list")).ToHaveTextAsync("No health goals.");
        (await (await ward.Tenant.Admin.Get("/api/v1/patients/p1/goals")).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("items").GetArrayLength().ShouldBe(0);
        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_viewer_sees_the_goals_but_no_form()
    {
        var ward = await Ward.CreateAsync(Server, "goals-view", "p1");
        (await ward.Tenant.Admin.PostJsonAsync("/api/v1/patients/p1/goals", new { kind = "resting_heart_rate", target = 60 })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await using var context = await Browser.NewContextAsync(Server.BaseAddress);
        var page = await context.NewPageAsync();
        await Browser.SignInAsync(page, await Server.CreateKeyAsync(ward.Id, "viewer"));
        await page.GotoAsync("/#/patient/p1");
        await Assertions.Expect(page.Locator("[data-goal=resting_heart_rate]")).ToContainTextAsync("at most 60 /min per day · no data yet");
        await Assertions.Expect(page.Locator("#goal-form")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#goals button")).ToHaveCountAsync(0);
    }
}

using Microsoft.Playwright;
using Vigil.Tests.Dashboard;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Security;

/// <summary>The dashboard in a real browser (Chromium): a person signs in with a bearer token, sees the ward, and its live stream opens.</summary>
public sealed class DashboardBearerSignInTests(BearerServerFixture fixture) : IClassFixture<BearerServerFixture>
{
    [Fact]
    public async Task A_person_signs_in_to_the_dashboard_with_an_access_token_and_the_live_stream_opens()
    {
        await fixture.Server.CreateCustomerAsync("jwt-browser");
        var token = await fixture.Tokens.TokenAsync("clinician", "jwt-browser");
        await using var context = await Browser.NewContextAsync(fixture.Server.BaseAddress);
        var page = await context.NewPageAsync();
        var sentBearer = false;
        page.Request += (_, request) => sentBearer |= request.Url.Contains("/api/v1/dashboard/session", StringComparison.Ordinal)
                                                      && request.Headers.TryGetValue("authorization", out var value) && value == $"Bearer {token}";

        await Browser.SignInAsync(page, token);

        sentBearer.ShouldBeTrue("the page sends a token as Authorization: Bearer");
        (await page.EvaluateAsync<string>("() => sessionStorage.getItem('vigil.apiKey')")).ShouldBe(token);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Browser.ScreenshotPath("bearer-sign-in") });
    }
}

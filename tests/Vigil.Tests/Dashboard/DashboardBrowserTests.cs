using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Vigil.Dashboard;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Dashboard;

/// <summary>
/// The dashboard in Debian's Chromium against a real embedded server: sign in, ward tiles, a live change, an alert
/// appearing and acknowledged, a patient's charts; screenshots in artifacts/test-results/dashboard.
/// </summary>
public sealed class DashboardBrowserTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private VigilServer Server => fixture.Server;

    [Fact]
    public async Task The_page_and_its_assets_need_no_key_and_carry_a_strict_content_security_policy()
    {
        using var anonymous = Server.Client();
        var page = await anonymous.Get("/");
        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        page.Content.Headers.ContentType!.MediaType.ShouldBe("text/html");
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        csp.ShouldBe(DashboardAssets.ContentSecurityPolicy);
        csp.ShouldContain("script-src 'self'");
        csp.ShouldNotContain("unsafe-inline");
        page.Headers.GetValues("X-Content-Type-Options").Single().ShouldBe("nosniff");
        page.Headers.GetValues("X-Frame-Options").Single().ShouldBe("DENY");
        var html = await page.Content.ReadAsStringAsync(Http.Ct);
        // No inline script or style: every <script> has a src, no style attribute or element.
        Regex.Matches(html, "<script(?![^>]*\\ssrc=)", RegexOptions.IgnoreCase).Count.ShouldBe(0);
        html.ShouldNotContain("<style", Case.Insensitive);
        html.ShouldNotContain(" style=", Case.Insensitive);

        var script = await anonymous.Get("/app.js");
        script.StatusCode.ShouldBe(HttpStatusCode.OK);
        script.Content.Headers.ContentType!.MediaType.ShouldBe("text/javascript");
        var etag = script.Headers.ETag!.Tag;
        using var again = new HttpRequestMessage(HttpMethod.Get, "/app.js");
        again.Headers.IfNoneMatch.ParseAdd(etag);
        (await anonymous.SendAsync(again, Http.Ct)).StatusCode.ShouldBe(HttpStatusCode.NotModified);
        (await anonymous.Get("/app.css")).Content.Headers.ContentType!.MediaType.ShouldBe("text/css");
        // The data behind the page needs a key.
        (await anonymous.Get("/api/v1/dashboard/ward")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_clinician_signs_in_sees_a_tile_change_live_sees_an_alert_acknowledges_it_and_opens_the_patients_charts()
    {
        var ward = await Ward.CreateAsync(Server, "browser", "p1", "p2");
        await ward.PostAsync(("r1", "p1", "heart_rate", 72), ("r2", "p1", "spo2", 97), ("r3", "p1", "respiratory_rate", 15),
            ("r4", "p1", "systolic_bp", 124), ("r5", "p1", "diastolic_bp", 80), ("r6", "p1", "temperature", 36.9), ("r7", "p2", "heart_rate", 66));
        var key = await Server.CreateKeyAsync(ward.Id, "clinician");
        await using var context = await Browser.NewContextAsync(Server.BaseAddress);
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.Console += (_, m) => { if (m.Type == "error") errors.Add(m.Text); };
        page.PageError += (_, e) => errors.Add(e);

        // Sign in with the keyboard alone: the key field has focus, Enter submits.
        await page.GotoAsync("/");
        await Assertions.Expect(page.GetByLabel("API key")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync("not-a-key");
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#sign-in-error")).ToContainTextAsync("not accepted");
        await page.GetByLabel("API key").FillAsync(key);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#live-status")).ToHaveTextAsync("Live");
        (await page.EvaluateAsync<string>("() => sessionStorage.getItem('vigil.apiKey')")).ShouldBe(key);
        errors.Clear(); // the refused key's 401, which the browser logs

        // The ward of the department: one tile per patient with the latest vitals and NEWS2.
        await page.Locator("#department").SelectOptionAsync("icu");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Ward: Intensive care");
        var tile = page.Locator("[data-patient-id=p1]");
        await Assertions.Expect(tile.Locator("[data-vital=heart_rate] dd")).ToHaveTextAsync("72 /min");
        await Assertions.Expect(tile.Locator("[data-vital=systolic_bp] dd")).ToHaveTextAsync("124/80 mmHg");
        await Assertions.Expect(tile.Locator("[data-field=news2] .score")).ToHaveTextAsync("0");
        await Assertions.Expect(tile).ToHaveClassAsync(new Regex("risk-low"));
        await Assertions.Expect(tile.Locator("[data-field=alerts]")).ToHaveTextAsync("No open alerts");
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("ward"), FullPage = true });

        // A portrait tablet: the tiles reflow, nothing needs horizontal scrolling.
        await page.SetViewportSizeAsync(768, 1024);
        (await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")).ShouldBeTrue();
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("ward-tablet-portrait"), FullPage = true });
        await page.SetViewportSizeAsync(1024, 768);

        // The skip link takes keyboard users past the navigation to the content, staying on the ward.
        await page.Locator(".skip-link").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#main")).ToBeFocusedAsync();
        page.Url.ShouldEndWith("#/ward/icu");

        // A reading posted through the API changes the tile with no reload.
        await page.EvaluateAsync("() => { window.vigilTestMarker = 'same page'; }");
        await ward.PostAsync(("r8", "p1", "heart_rate", 88));
        await Assertions.Expect(tile.Locator("[data-vital=heart_rate] dd")).ToHaveTextAsync("88 /min", new() { Timeout = 1000 });

        // A breach raises alerts: the threshold's (high) and NEWS2's (a single parameter scored 3: urgent); the badge
        // counts both and names the most severe, and the NEWS2 band turns.
        await ward.PostAsync(("r9", "p1", "heart_rate", 150));
        await Assertions.Expect(tile.Locator("[data-field=alerts]")).ToContainTextAsync("2 alerts · urgent", new() { Timeout = 1000 });
        await Assertions.Expect(tile.Locator("[data-field=news2] .score")).ToHaveTextAsync("3");
        await Assertions.Expect(tile).ToHaveClassAsync(new Regex("risk-low-medium"));
        (await page.EvaluateAsync<string>("() => window.vigilTestMarker")).ShouldBe("same page");
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("ward-alert"), FullPage = true });

        // The alerts view: most severe first (the NEWS2 alert is urgent, the threshold alert high); acknowledge by keyboard.
        await page.GetByRole(AriaRole.Link, new() { Name = "Alerts" }).ClickAsync();
        var rows = page.Locator("#open-alerts li.alert-row");
        await Assertions.Expect(rows).ToHaveCountAsync(2);
        await Assertions.Expect(rows.Nth(0).Locator(".sev-badge")).ToHaveTextAsync("urgent");
        await Assertions.Expect(rows.Nth(1).Locator(".sev-badge")).ToHaveTextAsync("high");
        var threshold = rows.Nth(1);
        await threshold.GetByRole(AriaRole.Button, new() { Name = "Acknowledge" }).FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("#open-alerts li[data-status=acknowledged]")).ToHaveCountAsync(1);
        var alerts = await (await ward.Tenant.Admin.Get("/api/v1/alerts?rule=threshold:heart_rate")).ShouldBeAsync(HttpStatusCode.OK);
        alerts.GetProperty("items")[0].GetProperty("status").GetString().ShouldBe("acknowledged");
        alerts.GetProperty("items")[0].GetProperty("acknowledgedBy").GetString().ShouldBe("key:" + key.Split('_')[1]);
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("alerts"), FullPage = true });

        // Resolve the other one; it moves to the history.
        await page.Locator("#open-alerts li[data-status=active]").GetByRole(AriaRole.Button, new() { Name = "Resolve" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#alert-history tbody tr")).ToHaveCountAsync(1);

        // The patient's page: a chart per vital drawn from the aggregates, with the threshold limits, NEWS2 and the timeline.
        await page.GetByRole(AriaRole.Link, new() { Name = "Ward" }).ClickAsync();
        await page.Locator("[data-patient-id=p1] h2 a").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Patient p1");
        var heartChart = page.Locator("[data-chart=heart_rate]");
        await Assertions.Expect(heartChart.Locator("canvas")).ToBeVisibleAsync();
        await Assertions.Expect(heartChart).ToContainTextAsync("Alert limits 41 and 130 /min");
        await Assertions.Expect(page.Locator("[data-chart=temperature] canvas")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#news2-title + p")).ToContainTextAsync("Latest: 3");
        await Assertions.Expect(page.Locator("ol.timeline li").First).ToContainTextAsync("Alert");
        await page.GetByLabel("24 hours").CheckAsync();
        await Assertions.Expect(heartChart).ToContainTextAsync("5m windows");
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("patient"), FullPage = true });

        errors.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_configuration_view_saves_a_departments_thresholds_and_labels_every_control()
    {
        var ward = await Ward.CreateAsync(Server, "config", "p1");
        await using var context = await Browser.NewContextAsync(Server.BaseAddress);
        var page = await context.NewPageAsync();
        await Browser.SignInAsync(page, await Server.CreateKeyAsync(ward.Id, "clinician"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Configuration" }).ClickAsync();
        await page.GetByLabel("Scope", new() { Exact = true }).SelectOptionAsync("department");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add rule" }).ClickAsync();
        var row = page.Locator("#threshold-form tbody tr").Last;
        await row.GetByLabel("Type").SelectOptionAsync("heart_rate");
        await row.GetByLabel("Low limit").FillAsync("45");
        await row.GetByLabel("High limit").FillAsync("120");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rules" }).ClickAsync();
        await Assertions.Expect(page.Locator("#thr-message")).ToHaveTextAsync("Saved 1 rule.");
        var effective = await (await ward.Tenant.Admin.Get("/api/v1/thresholds/effective?patientId=p1")).ShouldBeAsync(HttpStatusCode.OK);
        var rule = effective.GetProperty("rules").EnumerateArray().Single(r => r.GetProperty("type").GetString() == "heart_rate");
        rule.GetProperty("high").GetDouble().ShouldBe(120);
        rule.GetProperty("source").GetString().ShouldBe("department");

        // A refused rule shows the API's reason, naming the field.
        await row.GetByLabel("Low limit").FillAsync("130");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save rules" }).ClickAsync();
        await Assertions.Expect(page.Locator("#thr-message")).ToContainTextAsync("rules[0].high");

        // Every form control has an accessible name.
        var unlabelled = await page.EvaluateAsync<string[]>("""
            () => [...document.querySelectorAll('main input, main select, main button')]
              .filter(el => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
              .map(el => el.outerHTML)
            """);
        unlabelled.ShouldBeEmpty();
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("configuration"), FullPage = true });
    }

    [Fact]
    public async Task An_admin_adds_a_notification_subscription_in_the_configuration_view_and_the_api_stores_it()
    {
        var ward = await Ward.CreateAsync(Server, "subs", "p1");
        await using var context = await Browser.NewContextAsync(Server.BaseAddress);
        var page = await context.NewPageAsync();
        await Browser.SignInAsync(page, await Server.CreateKeyAsync(ward.Id, "admin"));
        await page.GetByRole(AriaRole.Link, new() { Name = "Configuration" }).ClickAsync();
        await Assertions.Expect(page.Locator("#subscription-list")).ToContainTextAsync("No subscriptions.");

        // A secret too short: the API's refusal names the field, nothing is stored.
        await page.GetByLabel("Webhook URL").FillAsync("https://hooks.example.org/vigil");
        await page.GetByLabel("Signing secret").FillAsync("short");
        await page.GetByLabel("Minimum severity").SelectOptionAsync("urgent");
        await page.GetByLabel("acknowledged").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add subscription" }).ClickAsync();
        await Assertions.Expect(page.Locator("#subscription-form [role=status]")).ToContainTextAsync("secret");
        var none = await (await ward.Tenant.Admin.Get("/api/v1/notifications/subscriptions")).ShouldBeAsync(HttpStatusCode.OK);
        none.GetProperty("items").GetArrayLength().ShouldBe(0);

        await page.GetByLabel("Signing secret").FillAsync("a-signing-secret-of-some-length");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add subscription" }).ClickAsync();
        await Assertions.Expect(page.Locator("#subscription-list")).ToContainTextAsync("https://hooks.example.org/vigil");
        var stored = await (await ward.Tenant.Admin.Get("/api/v1/notifications/subscriptions")).ShouldBeAsync(HttpStatusCode.OK);
        var subscription = stored.GetProperty("items").EnumerateArray().Single();
        subscription.GetProperty("url").GetString().ShouldBe("https://hooks.example.org/vigil");
        subscription.GetProperty("minSeverity").GetString().ShouldBe("urgent");
        subscription.GetProperty("types").EnumerateArray().Select(t => t.GetString()).ShouldBe(["alert.created", "alert.escalated", "alert.resolved"]);
        subscription.GetProperty("hasSecret").GetBoolean().ShouldBeTrue();
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("subscriptions"), FullPage = true });
    }
}

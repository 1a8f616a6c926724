using Microsoft.Playwright;
using Vigil.Storage.Tests.Distributed;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Dashboard;

/// <summary>
/// Debian's Chromium (<c>/usr/bin/chromium</c>, installed by scripts/test-deps/tools.sh) driven by Playwright, started once
/// per test run and shared; each test opens its own context (cookies, storage) and pages. Playwright downloads no
/// browser. A missing browser fails the test under CI=true and skips it otherwise, saying how to install it.
/// </summary>
public static class Browser
{
    public const string Executable = "/usr/bin/chromium";

    private static readonly SemaphoreSlim Gate = new(1, 1);
    private static IBrowser? _browser;

    /// <summary>A new browser context with a tablet-sized viewport (1024x768).</summary>
    public static async Task<IBrowserContext> NewContextAsync(Uri baseAddress)
    {
        if (!File.Exists(Executable))
        {
            TestServers.Unavailable("Chromium", $"{Executable} does not exist", "scripts/test-deps/tools.sh");
        }

        await Gate.WaitAsync(Http.Ct);
        try
        {
            if (_browser is null)
            {
                var playwright = await Playwright.CreateAsync();
                _browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
                {
                    ExecutablePath = Executable,
                    Headless = true,
                    Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
                });
            }
        }
        finally
        {
            Gate.Release();
        }

        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1024, Height = 768 },
        });
        context.SetDefaultTimeout(15_000);
        return context;
    }

    /// <summary>Where screenshots go: artifacts/test-results/dashboard under the repository (kept as test artefacts).</summary>
    public static string ScreenshotPath(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Vigil.slnx")))
        {
            dir = dir.Parent;
        }

        var folder = Path.Combine(dir?.FullName ?? Path.GetTempPath(), "artifacts", "test-results", "dashboard");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name + ".png");
    }

    /// <summary>Signs in on the dashboard's page with <paramref name="apiKey"/> and waits for the ward.</summary>
    public static async Task SignInAsync(IPage page, string apiKey)
    {
        await page.GotoAsync("/");
        await page.GetByLabel("API key").FillAsync(apiKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^Ward"));
        await Assertions.Expect(page.Locator("#live-status")).ToHaveTextAsync("Live");
    }
}

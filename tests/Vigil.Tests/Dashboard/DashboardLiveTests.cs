using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Playwright;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Dashboard;

/// <summary>
/// The live feed in both modes: in distributed mode the analyzer's commit reaches the stream through PostgreSQL's
/// LISTEN/NOTIFY, so these prove the cross-process path. Streams are read over real HTTP and in a real browser.
/// </summary>
public abstract class DashboardLiveTests(ServerFixture fixture)
{
    private VigilServer Server => fixture.Server;

    private static async Task<string> TokenAsync(HttpClient client) =>
        (await (await client.PostAsync("/api/v1/dashboard/stream-tokens", null, Http.Ct)).ShouldBeAsync(HttpStatusCode.OK)).GetProperty("token").GetString()!;

    private static string HeartRate(string tileJson)
    {
        using var doc = JsonDocument.Parse(tileJson);
        return doc.RootElement.GetProperty("vitals").TryGetProperty("heart_rate", out var hr) ? hr.GetProperty("value").GetRawText() : "";
    }

    [Fact]
    public async Task A_stream_opened_with_a_token_receives_the_tile_of_each_processed_reading_of_its_own_customer_only()
    {
        var ward = await Ward.CreateAsync(Server, "live-sse", "p1");
        var other = await Ward.CreateAsync(Server, "live-other", "p1");
        using var anonymous = Server.Client();
        await using var stream = await SseStream.OpenAsync(anonymous, $"/api/v1/dashboard/stream?access_token={Uri.EscapeDataString(await TokenAsync(ward.Tenant.Admin))}", Http.Ct);
        stream.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        stream.Response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        (await stream.NextAsync(Http.Ct)).Name.ShouldBe("hello");

        await other.PostAsync(("o1", "p1", "heart_rate", 111));
        await ward.PostAsync(("r1", "p1", "heart_rate", 77));
        var tile = await stream.NextAsync("tile", _ => true, Http.Ct).WaitAsync(TimeSpan.FromSeconds(10), Http.Ct);
        // The other customer's reading was committed first: had it leaked, its tile would have come first.
        HeartRate(tile).ShouldBe("77");
        using (var doc = JsonDocument.Parse(tile))
        {
            doc.RootElement.GetProperty("patientId").GetString().ShouldBe("p1");
            doc.RootElement.GetProperty("departmentId").GetString().ShouldBe("icu");
        }

        // A breach of the default heart-rate limit (>= 131) raises an alert: the tile carries it and an alerts event follows.
        await ward.PostAsync(("r2", "p1", "heart_rate", 150));
        var alerts = await stream.NextAsync("alerts", d => d.Contains("threshold:heart_rate"), Http.Ct).WaitAsync(TimeSpan.FromSeconds(10), Http.Ct);
        alerts.ShouldContain("\"severity\":\"high\"");
    }

    [Fact]
    public async Task The_stream_refuses_a_missing_forged_or_revoked_key_token_and_an_api_key_header_alone()
    {
        var ward = await Ward.CreateAsync(Server, "live-auth");
        using var anonymous = Server.Client();
        await (await anonymous.Get("/api/v1/dashboard/stream")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await anonymous.Get("/api/v1/dashboard/stream?access_token=forged")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        // The stream takes only its token: a key in the header does not open it (tokens are what a browser can send).
        await (await ward.Tenant.Admin.Get("/api/v1/dashboard/stream")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        // A device key may not read the ward.
        (await ward.Tenant.Device.PostAsync("/api/v1/dashboard/stream-tokens", null, Http.Ct)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await anonymous.PostAsync("/api/v1/dashboard/stream-tokens", null, Http.Ct)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // A viewer's token opens the stream until the viewer's key is revoked.
        var viewerKey = await Server.CreateKeyAsync(ward.Id, "viewer");
        using var viewer = Server.Client(viewerKey);
        var token = await TokenAsync(viewer);
        await using (var stream = await SseStream.OpenAsync(anonymous, $"/api/v1/dashboard/stream?access_token={Uri.EscapeDataString(token)}", Http.Ct))
        {
            stream.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        }

        var keyId = viewerKey.Split('_')[1];
        (await ward.Tenant.Admin.Delete($"/api/v1/api-keys/{keyId}")).IsSuccessStatusCode.ShouldBeTrue();
        await (await anonymous.Get($"/api/v1/dashboard/stream?access_token={Uri.EscapeDataString(token)}")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_ward_answers_each_active_patients_latest_vitals_news2_and_open_alerts()
    {
        var ward = await Ward.CreateAsync(Server, "ward-read", "p1", "p2");
        await ward.PostAsync(("a", "p1", "heart_rate", 64), ("b", "p1", "spo2", 97), ("c", "p1", "respiratory_rate", 14), ("d", "p1", "systolic_bp", 121),
            ("e", "p1", "diastolic_bp", 79), ("f", "p1", "temperature", 36.8), ("g", "p2", "heart_rate", 140));
        var answer = await (await ward.Tenant.Admin.Get("/api/v1/dashboard/ward?departmentId=icu")).ShouldBeAsync(HttpStatusCode.OK);
        var tiles = answer.GetProperty("items").EnumerateArray().ToDictionary(t => t.GetProperty("patientId").GetString()!);
        tiles.Keys.ShouldBe(["p1", "p2"], ignoreOrder: true);
        var p1 = tiles["p1"];
        p1.GetProperty("vitals").GetProperty("diastolic_bp").GetProperty("value").GetDouble().ShouldBe(79);
        p1.GetProperty("vitals").GetProperty("temperature").GetProperty("value").GetDouble().ShouldBe(36.8);
        p1.GetProperty("news2").GetProperty("value").GetInt32().ShouldBe(0);
        p1.GetProperty("news2").GetProperty("risk").GetString().ShouldBe("low");
        p1.GetProperty("alerts").GetArrayLength().ShouldBe(0);
        tiles["p2"].GetProperty("alerts").EnumerateArray().Select(a => a.GetProperty("rule").GetString()).ShouldContain("threshold:heart_rate");

        // Another customer's department is not found, and a malformed id names the field.
        var other = await Ward.CreateAsync(Server, "ward-other");
        await (await other.Tenant.Admin.Get("/api/v1/dashboard/ward?departmentId=nowhere")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        (await (await ward.Tenant.Admin.Get("/api/v1/dashboard/ward?departmentId=no%20spaces")).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity))
            .GetProperty("errors")[0].GetProperty("field").GetString().ShouldBe("departmentId");
        var foreign = await (await other.Tenant.Admin.Get("/api/v1/dashboard/ward")).ShouldBeAsync(HttpStatusCode.OK);
        foreign.GetProperty("items").EnumerateArray().Select(t => t.GetProperty("patientId").GetString()).ShouldNotContain("p1");
    }

    [Fact]
    public async Task A_tile_in_the_browser_changes_within_a_second_of_its_reading_being_processed_without_a_reload()
    {
        var ward = await Ward.CreateAsync(Server, "live-tile", "p1");
        await ward.PostAsync(("r1", "p1", "heart_rate", 72));
        await using var context = await Browser.NewContextAsync(Server.BaseAddress);
        var page = await context.NewPageAsync();
        var key = await Server.CreateKeyAsync(ward.Id, "clinician");
        await Browser.SignInAsync(page, key);
        var heartRate = page.Locator("[data-patient-id=p1] [data-vital=heart_rate] dd");
        await Assertions.Expect(heartRate).ToHaveTextAsync("72 /min");
        await page.EvaluateAsync("() => { window.vigilTestMarker = 'same page'; }");
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;

        await ward.PostAsync(("r2", "p1", "heart_rate", 91));
        var processed = Stopwatch.StartNew();
        await Assertions.Expect(heartRate).ToHaveTextAsync("91 /min", new() { Timeout = 1000 });
        var shown = processed.Elapsed;
        (await page.EvaluateAsync<string>("() => window.vigilTestMarker")).ShouldBe("same page");
        navigations.ShouldBe(0);
        TestContext.Current.TestOutputHelper?.WriteLine($"tile updated {shown.TotalMilliseconds:F0} ms after the reading was processed");
        await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath($"live-tile-{GetType().Name.ToLowerInvariant()}"), FullPage = true });
    }

    /// <summary>Embedded mode: SQLite and the built-in log; the feed is signalled in process.</summary>
    public sealed class Embedded(ServerFixture fixture) : DashboardLiveTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka; the feed hears the analyzer's commits through LISTEN/NOTIFY.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : DashboardLiveTests(fixture), IClassFixture<DistributedServerFixture>;
}

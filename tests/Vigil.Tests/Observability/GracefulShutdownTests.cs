using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Observability;

/// <summary>
/// SIGTERM on a real <c>vigil serve</c> process: it stops taking connections at once, lets a request already in flight
/// finish (and stores what it acknowledged), then exits 0; a request that outlasts the bound (--shutdown-timeout) is
/// cut off and the process exits anyway.
/// </summary>
[Collection(ObservabilityCollection.Name)]
public sealed class GracefulShutdownTests
{
    /// <summary>A request body whose first half goes out at once and whose rest waits until the test releases it.</summary>
    private sealed class HeldBody(byte[] body) : HttpContent
    {
        private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Release() => _release.TrySetResult();

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(body.AsMemory(0, body.Length / 2));
            await stream.FlushAsync();
            await _release.Task;
            await stream.WriteAsync(body.AsMemory(body.Length / 2));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return true;
        }
    }

    private static byte[] Readings(string prefix, int count)
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("O");
        var items = Enumerable.Range(0, count).Select(i => $$"""{"id":"{{prefix}}{{i}}","patientId":"p","type":"heart_rate","value":70,"observedAt":"{{at}}"}""");
        return Encoding.UTF8.GetBytes("[" + string.Join(",", items) + "]");
    }

    /// <summary>Polls /metrics until a POST is being handled: the held request has reached the application.</summary>
    private static async Task WaitUntilPostInFlightAsync(RunningProcess vigil)
    {
        using var client = vigil.Client();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await client.GetStringAsync("/metrics", Http.Ct)).Contains("http_server_active_requests{http_request_method=\"POST\"} 1"))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the held request never reached the server");
            await Task.Delay(20, Http.Ct);
        }
    }

    private static async Task<bool> RefusesConnectionsAsync(Uri address)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(address.Host, address.Port, Http.Ct);
            return false;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    [Fact]
    public async Task On_SIGTERM_new_connections_are_refused_the_request_in_flight_finishes_and_is_stored_and_the_process_exits_0()
    {
        await using var vigil = await RunningProcess.StartAsync(["--shutdown-timeout", "20"]);
        var dataDir = vigil.DataDir;
        var key = await vigil.CustomerKeyAsync("drain");
        using (var admin = vigil.Client(key))
        {
            (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", name = "Pat" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        using var device = vigil.Client(key);
        var body = new HeldBody(Readings("held-", 500));
        body.Headers.ContentType = new("application/json");
        var held = device.PostAsync("/api/v1/readings", body, Http.Ct);
        await WaitUntilPostInFlightAsync(vigil);

        await vigil.Process.TerminateAsync(TimeSpan.Zero);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await RefusesConnectionsAsync(vigil.Process.BaseAddress))
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, "still accepting connections after SIGTERM");
            await Task.Delay(20, Http.Ct);
        }

        vigil.Process.HasExited.ShouldBeFalse();
        body.Release();
        var answer = await held;
        answer.StatusCode.ShouldBe(HttpStatusCode.Accepted, await answer.Content.ReadAsStringAsync(Http.Ct));
        (await answer.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Http.Ct)).GetProperty("accepted").GetInt32().ShouldBe(500);
        (await vigil.Process.TerminateAsync(TimeSpan.FromSeconds(20))).ShouldBe(0, vigil.Process.Output);

        // Started again on the same data: every acknowledged reading is there.
        await using var again = await RunningProcess.StartAsync([], dataDir);
        using var reader = again.Client(key);
        var page = await (await reader.Get("/api/v1/patients/p/readings?limit=1000")).ShouldBeAsync(HttpStatusCode.OK);
        page.GetProperty("items").GetArrayLength().ShouldBe(500);
    }

    [Fact]
    public async Task A_request_that_outlasts_the_shutdown_bound_is_cut_off_and_the_process_exits_within_it()
    {
        await using var vigil = await RunningProcess.StartAsync(["--shutdown-timeout", "2"]);
        var key = await vigil.CustomerKeyAsync("bound");
        using (var admin = vigil.Client(key))
        {
            (await admin.PostJsonAsync("/api/v1/patients", new { id = "p", name = "Pat" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        }

        using var device = vigil.Client(key);
        var body = new HeldBody(Readings("never-", 10));
        body.Headers.ContentType = new("application/json");
        var held = device.PostAsync("/api/v1/readings", body, Http.Ct);
        await WaitUntilPostInFlightAsync(vigil);

        var started = DateTime.UtcNow;
        var exit = await vigil.Process.TerminateAsync(TimeSpan.FromSeconds(15));
        exit.ShouldNotBeNull("the process did not exit within the bound");
        (DateTime.UtcNow - started).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(1.5));
        body.Release();
        await Should.ThrowAsync<HttpRequestException>(held);
    }
}

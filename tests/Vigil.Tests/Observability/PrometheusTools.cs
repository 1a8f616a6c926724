using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Observability;

/// <summary>
/// Debian's Prometheus (<c>/usr/bin/promtool</c>, <c>/usr/bin/prometheus</c>, installed by scripts/test-deps/tools.sh):
/// an independent implementation of the exposition format to check /metrics against and to scrape it.
/// </summary>
public static class PrometheusTools
{
    public const string Promtool = "/usr/bin/promtool";
    public const string Server = "/usr/bin/prometheus";

    /// <summary>Fails under CI=true, where ./test.sh installs the tools; elsewhere the test is skipped with how to get them.</summary>
    public static void Require(string tool)
    {
        if (File.Exists(tool))
        {
            return;
        }

        var message = $"{tool} is missing: run scripts/test-deps/tools.sh (apt-get install prometheus)";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    /// <summary>Runs <c>promtool check metrics</c> on the text; returns its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> CheckMetricsAsync(string text)
    {
        Require(Promtool);
        var info = new ProcessStartInfo(Promtool) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add("check");
        info.ArgumentList.Add("metrics");
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(text);
        process.StandardInput.Close();
        await process.WaitForExitAsync(Http.Ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>A Prometheus server of the test's own: temp config and storage, a free port on 127.0.0.1, stopped and deleted at the end.</summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly StringWriter _log = new();

    private PrometheusServer(Process process, string dir, Uri address)
    {
        _process = process;
        _dir = dir;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (host:port) every second and waits until it is ready.</summary>
    public static async Task<PrometheusServer> StartAsync(string target)
    {
        PrometheusTools.Require(PrometheusTools.Server);
        var dir = Directory.CreateTempSubdirectory("vigil-prometheus-").FullName;
        var config = Path.Combine(dir, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: vigil
                metrics_path: /metrics
                static_configs:
                  - targets: ["{target}"]
            """, Http.Ct);
        var port = PrometheusTools.FreePort();
        var info = new ProcessStartInfo(PrometheusTools.Server) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(dir, "data")}", $"--web.listen-address=127.0.0.1:{port}" })
        {
            info.ArgumentList.Add(arg);
        }

        var server = new PrometheusServer(Process.Start(info)!, dir, new Uri($"http://127.0.0.1:{port}/"));
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        using var client = new HttpClient { BaseAddress = server.Address };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            server._process.HasExited.ShouldBeFalse($"prometheus exited:\n{server.Log}");
            try
            {
                using var ready = await client.GetAsync("/-/ready", deadline.Token);
                if (ready.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.WhenAny(server._process.WaitForExitAsync(deadline.Token), Task.Delay(100, deadline.Token));
        }
    }

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }

    /// <summary>
    /// Asks the HTTP API (<c>/api/v1/query</c>) for <paramref name="query"/> until it answers one sample whose value
    /// satisfies <paramref name="expected"/>, or the deadline passes; returns the last value seen (null for none).
    /// </summary>
    public async Task<double?> QueryUntilAsync(string query, Func<double, bool> expected, TimeSpan within)
    {
        using var client = new HttpClient { BaseAddress = Address };
        var deadline = DateTime.UtcNow + within;
        double? last = null;
        while (DateTime.UtcNow < deadline)
        {
            var json = await client.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(query)}", Http.Ct);
            using var doc = JsonDocument.Parse(json);
            var result = doc.RootElement.GetProperty("data").GetProperty("result");
            if (result.GetArrayLength() == 1)
            {
                last = double.Parse(result[0].GetProperty("value")[1].GetString()!, System.Globalization.CultureInfo.InvariantCulture);
                if (expected(last.Value))
                {
                    return last;
                }
            }

            // Prometheus scrapes every second; ask again after a fraction of that.
            await Task.Delay(200, Http.Ct);
        }

        return last;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp directory.
        }
    }
}

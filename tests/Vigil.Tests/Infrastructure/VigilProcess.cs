using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Vigil.Tests.Infrastructure;

/// <summary>
/// Vigil as a separate operating-system process (<c>dotnet vigil.dll serve</c>), for tests that kill it with SIGKILL
/// and start it again on the same data directory.
/// </summary>
public sealed class VigilProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringWriter _output = new();

    private VigilProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts <c>vigil serve</c> on a free port with <paramref name="args"/> added (<c>--roles</c>, say) and waits until it is ready.</summary>
    public static async Task<VigilProcess> StartAsync(string dataDir, CancellationToken cancellationToken, IReadOnlyList<string>? args = null)
    {
        var port = FreePort();
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "vigil.dll"), "serve", "--data-dir", dataDir, "--urls", $"http://127.0.0.1:{port}", "--hl7-port", "0", "--Vigil:Grpc:Port", "0" }.Concat(args ?? []))
        {
            info.ArgumentList.Add(arg);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start vigil.");
        var vigil = new VigilProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => vigil.Append(e.Data);
        process.ErrorDataReceived += (_, e) => vigil.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await vigil.WaitUntilReadyAsync(cancellationToken);
        return vigil;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.WriteLine(line);
            }
        }
    }

    /// <summary>Waits until /health/ready answers 200, or fails if the process exits first.</summary>
    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"vigil exited with code {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await client.GetAsync("/health/ready", deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            // Wait for the process to make progress: its exit, or a short interval before asking again.
            await Task.WhenAny(_process.WaitForExitAsync(deadline.Token), Task.Delay(50, deadline.Token));
        }
    }

    /// <summary>
    /// SIGTERM, as a container runtime or systemd stops a service: the process stops taking requests, drains, and
    /// exits. Returns its exit code, or null if it is still running after <paramref name="within"/>.
    /// </summary>
    public async Task<int?> TerminateAsync(TimeSpan within)
    {
        if (!_process.HasExited)
        {
            Kill(_process.Id, 15).ShouldBe(0);
        }

        using var deadline = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    /// <summary>SIGKILL: no shutdown code runs, exactly like a crash or a power cut of the process.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }
}

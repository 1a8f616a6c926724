using System.Diagnostics;

namespace Vigil.Tests.Hl7;

/// <summary>
/// Runs a script on Debian's python3-hl7 (only Debian's /usr/bin/python3 sees it). Without the package the test fails
/// under CI=true, where scripts/test-deps/tools.sh installs it, and is skipped elsewhere with how to get it.
/// </summary>
internal static class PythonHl7
{
    private const string Python = "/usr/bin/python3";

    public static async Task<(int Code, string Output)> RunAsync(string script, params string[] args)
    {
        RequirePackage();
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        info.ArgumentList.Add(Path.Combine(Root, script));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, (await stdout) + (await stderr));
    }

    private static void RequirePackage()
    {
        using var probe = Process.Start(new ProcessStartInfo(Python, ["-c", "import hl7.client"]) { RedirectStandardError = true })!;
        probe.WaitForExit();
        if (probe.ExitCode == 0)
        {
            return;
        }

        var message = "Debian's python3-hl7 is not installed: run scripts/test-deps/tools.sh (./test.sh does) or apt-get install python3-hl7";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    private static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vigil.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Vigil.slnx not found above " + AppContext.BaseDirectory);
    }
}

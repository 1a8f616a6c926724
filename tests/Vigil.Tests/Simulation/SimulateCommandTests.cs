using System.Diagnostics;
using System.Net;
using Vigil.Simulation;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Simulation;

/// <summary><c>vigil simulate</c> as a process against a real embedded server: flags, a whole run, and Ctrl-C.</summary>
public sealed class SimulateCommandTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static Process Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vigil.dll"));
        info.ArgumentList.Add("simulate");
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync(Http.Ct);
        var stderr = process.StandardError.ReadToEndAsync(Http.Ct);
        await process.WaitForExitAsync(Http.Ct).WaitAsync(TimeSpan.FromSeconds(120), Http.Ct);
        return (process.ExitCode, await stdout + await stderr);
    }

    [Theory]
    [InlineData("90s", 90)]
    [InlineData("10m", 600)]
    [InlineData("1h30m", 5400)]
    [InlineData("1d", 86400)]
    [InlineData("45", 45)]
    public void Durations_read_as_people_write_them(string text, int seconds)
    {
        SimulateCommand.TryParseDuration(text, out var duration).ShouldBeTrue();
        duration.ShouldBe(TimeSpan.FromSeconds(seconds));
    }

    [Theory]
    [InlineData("5x")]
    [InlineData("0")]
    [InlineData("")]
    [InlineData("m")]
    public void Other_durations_are_refused(string text) => SimulateCommand.TryParseDuration(text, out _).ShouldBeFalse();

    [Fact]
    public async Task Bad_flags_exit_2_naming_each_flag_and_an_unknown_key_exits_2_with_the_servers_reason()
    {
        var (code, output) = await RunAsync("--target", fixture.Server.BaseAddress.ToString(), "--api-key", "k", "--patients", "0", "--scenario", "flu");
        code.ShouldBe(2);
        output.ShouldContain("--patients must be 1 to 100,000");
        output.ShouldContain("--scenario must be one of");

        (code, output) = await RunAsync("--target", fixture.Server.BaseAddress.ToString(), "--api-key", "not-a-key");
        code.ShouldBe(2);
        output.ShouldContain("401");
    }

    [Fact]
    public async Task A_whole_unpaced_run_exits_0_with_its_summary()
    {
        var customer = "cli-" + Guid.NewGuid().ToString("N")[..6];
        var (code, output) = await RunAsync("--target", fixture.Server.BaseAddress.ToString(), "--api-key", fixture.Server.AdminKey,
            "--customer", customer, "--patients", "2", "--rate", "1", "--duration", "20m", "--speed", "0", "--scenario", "sepsis", "--seed", "3");
        code.ShouldBe(0, output);
        output.ShouldContain("Done: sent");
        output.ShouldContain("rejected 0");
    }

    [Fact]
    public async Task Ctrl_C_stops_a_real_time_run_cleanly_with_its_summary()
    {
        var customer = "int-" + Guid.NewGuid().ToString("N")[..6];
        using var process = Start("--target", fixture.Server.BaseAddress.ToString(), "--api-key", fixture.Server.AdminKey,
            "--customer", customer, "--patients", "4", "--rate", "40", "--duration", "forever");
        var stdout = process.StandardOutput.ReadToEndAsync(Http.Ct);
        var stderr = process.StandardError.ReadToEndAsync(Http.Ct);

        // Streaming has begun once readings are stored (polled against a deadline).
        using var admin = fixture.Server.Client(await WaitForCustomerKeyAsync(customer));
        using (var deadline = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct))
        {
            deadline.CancelAfter(TimeSpan.FromSeconds(60));
            while (true)
            {
                using var response = await admin.GetAsync("/api/v1/patients/sim-p004/readings", deadline.Token);
                if (response.StatusCode == HttpStatusCode.OK && (await response.JsonAsync()).GetProperty("items").GetArrayLength() > 0)
                {
                    break;
                }

                await Task.Delay(100, deadline.Token);
            }
        }

        using (var interrupt = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await interrupt.WaitForExitAsync(Http.Ct);
        }

        await process.WaitForExitAsync(Http.Ct).WaitAsync(TimeSpan.FromSeconds(30), Http.Ct);
        var output = await stdout + await stderr;
        process.ExitCode.ShouldBe(0, output);
        output.ShouldContain("Stopped: sent");
        output.ShouldContain("rejected 0");
    }

    /// <summary>A key of the run's customer, once the run has created the customer (polled against a deadline).</summary>
    private async Task<string> WaitForCustomerKeyAsync(string customer)
    {
        using var system = fixture.Server.Client(fixture.Server.AdminKey);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while ((await system.GetAsync($"/api/v1/customers/{customer}", deadline.Token)).StatusCode != HttpStatusCode.OK)
        {
            await Task.Delay(50, deadline.Token);
        }

        return await fixture.Server.CreateKeyAsync(customer, "viewer");
    }
}

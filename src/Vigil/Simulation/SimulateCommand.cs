using System.CommandLine;
using System.Globalization;
using Spectre.Console;
using Vigil.Domain.Simulation;

namespace Vigil.Simulation;

/// <summary>
/// <c>vigil simulate</c>: sets up a synthetic ward on a running Vigil over its HTTP API and streams its readings,
/// with a progress bar and a live summary. Ctrl-C stops after the batch in flight and prints the summary.
/// </summary>
public static class SimulateCommand
{
    public static Command Create()
    {
        var target = new Option<string>("--target") { Description = "Vigil's base address (default: http://127.0.0.1:8080)", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var apiKey = new Option<string>("--api-key") { Description = "A system admin key (creates the customer) or a customer admin key (default: $VIGIL_API_KEY)" };
        var patients = new Option<int>("--patients") { Description = "Synthetic patients (default: 20)", DefaultValueFactory = _ => 20 };
        var rate = new Option<double>("--rate") { Description = "Readings per second of simulated time, for the whole ward (default: 20); each patient sends 8 per round", DefaultValueFactory = _ => 20 };
        var duration = new Option<string>("--duration") { Description = "Simulated time to cover, e.g. 90s, 10m, 2h, 1h30m, or 'forever' in real time (default: 10m)", DefaultValueFactory = _ => "10m" };
        var scenario = new Option<string>("--scenario") { Description = $"{string.Join(", ", Scenario.All)} (default: mixed)", DefaultValueFactory = _ => Scenario.Mixed };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic physiology (default: 1)", DefaultValueFactory = _ => 1 };
        var speed = new Option<double>("--speed") { Description = "Simulated seconds per second: 1 real time (default), N faster ending about now, 0 as fast as Vigil takes them", DefaultValueFactory = _ => 1 };
        var customer = new Option<string>("--customer") { Description = "Customer id to create with a system key (default: sim)", DefaultValueFactory = _ => "sim" };
        var department = new Option<string>("--department") { Description = "Department id (default: sim-ward)", DefaultValueFactory = _ => "sim-ward" };
        var prefix = new Option<string>("--patient-prefix") { Description = "Patient ids are this and a number (default: sim-p)", DefaultValueFactory = _ => "sim-p" };
        var batch = new Option<int>("--batch-size") { Description = "Readings per POST (default: 500)", DefaultValueFactory = _ => 500 };
        var grpc = new Option<string?>("--grpc") { Description = "Send the readings over gRPC (IngestService.IngestBatch) to this address, e.g. http://127.0.0.1:50051; set-up still uses --target" };
        var demoTiming = new Option<bool>("--fast-courses") { Description = "Deteriorations show after 1 minute and peak after 9 (default: 15 minutes, then 2 hours)" };
        var command = new Command("simulate", "Stream a synthetic ward's vital signs to a running Vigil")
        {
            target, apiKey, patients, rate, duration, scenario, seed, speed, customer, department, prefix, batch, grpc, demoTiming,
        };
        command.SetAction(async (result, _) =>
        {
            var key = result.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("VIGIL_API_KEY");
            if (string.IsNullOrWhiteSpace(key))
            {
                await Console.Error.WriteLineAsync("vigil simulate: --api-key (or VIGIL_API_KEY) is required");
                return 2;
            }

            if (!TryParseDuration(result.GetValue(duration)!, out var span))
            {
                await Console.Error.WriteLineAsync($"vigil simulate: --duration '{result.GetValue(duration)}' is not a duration like 90s, 10m, 2h or 1h30m");
                return 2;
            }

            var settings = new SimulationSettings
            {
                CustomerId = result.GetValue(customer)!, DepartmentId = result.GetValue(department)!, PatientPrefix = result.GetValue(prefix)!,
                Patients = result.GetValue(patients), Rate = result.GetValue(rate), Duration = span, Scenario = result.GetValue(scenario)!,
                Seed = result.GetValue(seed), Speed = result.GetValue(speed), BatchSize = result.GetValue(batch),
                Timing = result.GetValue(demoTiming) ? CourseTiming.Demo : CourseTiming.Ward,
            };
            var problems = settings.Problems();
            if (problems.Count > 0)
            {
                foreach (var (field, reason) in problems)
                {
                    await Console.Error.WriteLineAsync($"vigil simulate: --{field} {reason}");
                }

                return 2;
            }

            Uri? grpcAddress = null;
            if (result.GetValue(grpc) is { } grpcText && (!Uri.TryCreate(grpcText, UriKind.Absolute, out grpcAddress) || grpcAddress.Scheme is not ("http" or "https")))
            {
                await Console.Error.WriteLineAsync($"vigil simulate: --grpc '{grpcText}' is not an http:// or https:// address like http://127.0.0.1:50051");
                return 2;
            }

            using var stop = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                stop.Cancel();
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                return await RunAsync(new Uri(result.GetValue(target)!), key, settings, AnsiConsole.Console, stop.Token, grpcAddress);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    /// <summary>
    /// Sets up the ward over the HTTP API at <paramref name="target"/>, streams its readings there or, given
    /// <paramref name="grpc"/>, over gRPC to that address, with a live display on <paramref name="console"/>; prints the
    /// summary and returns the exit code.
    /// </summary>
    public static async Task<int> RunAsync(
        Uri target, string apiKey, SimulationSettings settings, IAnsiConsole console, CancellationToken cancellationToken, Uri? grpc = null)
    {
        HttpClient Client(string key)
        {
            var client = new HttpClient { BaseAddress = target, Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
            return client;
        }

        using var given = Client(apiKey);
        try
        {
            await using var tenant = await SimulationSetup.TenantAsync(given, Client, settings, cancellationToken);
            settings = settings with { CustomerId = tenant.CustomerId };
            using var grpcHttp = grpc is null ? null : new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(90) };
            ReadingSender sender = grpcHttp is null
                ? new HttpReadingSender(tenant.Client, TimeProvider.System)
                : new GrpcReadingSender(new Grpc.GrpcClient(grpcHttp, grpc!, new Dictionary<string, string> { ["x-api-key"] = tenant.Key ?? apiKey }), TimeProvider.System);
            var run = new SimulationRun(settings, sender, TimeProvider.System);
            console.MarkupLine($"Setting up customer [bold]{Markup.Escape(tenant.CustomerId)}[/], department [bold]{Markup.Escape(settings.DepartmentId)}[/] and {settings.Patients} patients on {Markup.Escape(target.ToString())}");
            if (grpc is not null)
            {
                console.MarkupLine($"Readings go over gRPC to {Markup.Escape(grpc.ToString())}");
            }
            await SimulationSetup.WardAsync(tenant.Client, tenant.CustomerId, settings, run.Patients.Select(p => p.Id), cancellationToken);
            console.MarkupLine($"Ward: {Markup.Escape(string.Join(", ", run.Patients.GroupBy(p => p.Course).Select(g => $"{g.Count()} {g.Key}")))}; a round of 8 readings per patient every {settings.RoundInterval.TotalSeconds:0.#} s of simulated time");

            var started = DateTimeOffset.UtcNow;
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("simulating", maxValue: 1000);
                    run.Progressed += status =>
                    {
                        var done = run.End is { } end && status.SimulatedTime is { } at
                            ? Math.Clamp((at - (end - settings.Duration!.Value)) / settings.Duration.Value, 0, 1) : 0;
                        task.Value = done * 1000;
                        task.Description = Markup.Escape(Summary(status, DateTimeOffset.UtcNow - started));
                    };
                    await run.RunAsync(cancellationToken);
                    task.Value = cancellationToken.IsCancellationRequested ? task.Value : 1000;
                });

            var final = run.Status();
            console.WriteLine((cancellationToken.IsCancellationRequested ? "Stopped: " : "Done: ") + Summary(final, DateTimeOffset.UtcNow - started));
            if (final.LastError is not null)
            {
                console.MarkupLine($"[yellow]Last error:[/] {Markup.Escape(final.LastError)}");
            }

            return final.Rejected > 0 ? 1 : 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            console.WriteLine("Stopped during set-up.");
            return 0;
        }
        catch (SimulationException e)
        {
            await Console.Error.WriteLineAsync($"vigil simulate: {e.Message}");
            return 2;
        }
        catch (HttpRequestException e)
        {
            await Console.Error.WriteLineAsync($"vigil simulate: cannot reach {target}: {e.Message}");
            return Cli.VigilCli.Unreachable;
        }
    }

    private static string Summary(SimulationStatus s, TimeSpan elapsed) => string.Create(CultureInfo.InvariantCulture,
        $"sent {s.Sent:N0} accepted {s.Accepted:N0} duplicates {s.Duplicates:N0} rejected {s.Rejected:N0} retries {s.Retries:N0} " +
        $"({s.Sent / Math.Max(elapsed.TotalSeconds, 0.001):N0}/s) sim time {s.SimulatedTime:HH:mm:ss}");

    /// <summary>Parses 90s, 10m, 2h, 1h30m, 1d (or a plain number of seconds); 'forever' is null (until stopped).</summary>
    public static bool TryParseDuration(string text, out TimeSpan? duration)
    {
        duration = null;
        if (text.Equals("forever", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            duration = TimeSpan.FromSeconds(seconds);
            return seconds > 0;
        }

        var match = System.Text.RegularExpressions.Regex.Match(text, @"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$");
        if (!match.Success || text.Length == 0)
        {
            return false;
        }

        int Part(int i) => match.Groups[i].Success ? int.Parse(match.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        duration = new TimeSpan(Part(1), Part(2), Part(3), Part(4));
        return duration > TimeSpan.Zero;
    }
}

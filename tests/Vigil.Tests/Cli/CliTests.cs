using System.Diagnostics;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Cli;

/// <summary>The <c>vigil</c> command line, run as a real process.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "vigil-cli-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Help_lists_the_serve_and_migrate_commands()
    {
        var (code, output) = await RunAsync("--help");

        code.ShouldBe(0);
        output.ShouldContain("serve");
        output.ShouldContain("migrate");
    }

    [Fact]
    public async Task Migrate_applies_the_schema_once_and_then_reports_it_up_to_date()
    {
        var (first, firstOutput) = await RunAsync("migrate", "--data-dir", _dataDir);
        var (second, secondOutput) = await RunAsync("migrate", "--data-dir", _dataDir);

        first.ShouldBe(0);
        firstOutput.ShouldContain("applied V1");
        second.ShouldBe(0);
        secondOutput.ShouldContain("up to date");
    }

    [Fact]
    public async Task Migrate_refuses_a_database_whose_applied_migration_was_changed()
    {
        (await RunAsync("migrate", "--data-dir", _dataDir)).Code.ShouldBe(0);
        Vigil.Storage.Sqlite.SqliteLibrary.Init();
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dataDir, "vigil.db")};Pooling=False"))
        {
            connection.Open();
            using var tamper = connection.CreateCommand();
            tamper.CommandText = "UPDATE schema_history SET checksum = 'edited' WHERE version = 1";
            tamper.ExecuteNonQuery();
        }

        var (code, output) = await RunAsync("migrate", "--data-dir", _dataDir);

        code.ShouldBe(2);
        output.ShouldContain("Migration V1 (foundation) was changed after it was applied");
    }

    [Fact]
    public async Task First_start_writes_an_owner_only_admin_key_and_logs_its_path_but_never_the_key()
    {
        string output;
        await using (var vigil = await VigilProcess.StartAsync(_dataDir, TestContext.Current.CancellationToken))
        {
            output = vigil.Output;
        }

        var path = Path.Combine(_dataDir, "admin.key");
        var key = (await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).Trim();
        key.ShouldStartWith("vgl_");
        if (!OperatingSystem.IsWindows())
        {
            File.GetUnixFileMode(path).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        output.ShouldContain(path);
        output.ShouldNotContain(key);
        output.ShouldNotContain(key.Split('_')[2]);
    }

    [Fact]
    public async Task A_second_process_on_the_same_data_directory_is_refused()
    {
        await using var first = await VigilProcess.StartAsync(_dataDir, TestContext.Current.CancellationToken);

        var (code, output) = await RunAsync("serve", "--data-dir", _dataDir, "--urls", "http://127.0.0.1:0");

        code.ShouldBe(2);
        output.ShouldContain("Another Vigil process is using the data directory");
    }

    [Fact]
    public async Task Serve_with_a_subset_of_roles_runs_and_reports_only_those()
    {
        await using var vigil = await VigilProcess.StartAsync(_dataDir, TestContext.Current.CancellationToken, ["--roles", "enrich,notify"]);
        using var client = new HttpClient { BaseAddress = vigil.BaseAddress };

        using var ready = System.Text.Json.JsonDocument.Parse(await client.GetStringAsync("/health/ready", TestContext.Current.CancellationToken));

        ready.RootElement.GetProperty("modules").EnumerateObject().Select(m => m.Name).ShouldBe(["enrich", "notify"]);
        vigil.Output.ShouldContain("roles: enrich,notify");
    }

    [Theory]
    [InlineData("unknown role 'bogus' (--roles, Vigil:Roles)", "serve", "--roles", "ingest,bogus")]
    [InlineData("--storage postgres needs --connection-string", "serve", "--storage", "postgres")]
    [InlineData("--storage postgres needs --log kafka", "serve", "--storage", "postgres", "--connection-string", "Host=db")]
    [InlineData("--log kafka needs --kafka-bootstrap", "serve", "--storage", "postgres", "--connection-string", "Host=db", "--log", "kafka")]
    [InlineData("--kafka-config takes key=value, not 'acks'", "serve", "--kafka-config", "acks")]
    [InlineData("--storage postgres needs --connection-string", "migrate", "--storage", "postgres")]
    [InlineData("bearer tokens need --jwt-issuer", "serve", "--jwt-jwks-url", "https://id.example/jwks.json", "--jwt-audience", "vigil")]
    [InlineData("bearer tokens need --jwt-audience", "serve", "--jwt-jwks-file", "jwks.json", "--jwt-issuer", "https://id.example/")]
    [InlineData("the TLS certificate /nonexistent/tls.pem (--tls-cert", "serve", "--tls-cert", "/nonexistent/tls.pem", "--tls-key", "/nonexistent/tls.key")]
    public async Task Settings_that_cannot_work_stop_vigil_with_one_line_and_exit_code_2(string message, params string[] args)
    {
        var (code, output) = await RunAsync([.. args, "--data-dir", _dataDir]);

        code.ShouldBe(2);
        output.Trim().ShouldNotContain('\n');
        output.ShouldContain(message);
        Directory.Exists(Path.Combine(_dataDir, "keys")).ShouldBeFalse();
    }

    [Theory]
    [InlineData("vigil: cannot reach the database", "serve", "--storage", "postgres", "--log", "kafka", "--kafka-bootstrap", "127.0.0.1:9")]
    [InlineData("vigil migrate: cannot reach the database", "migrate", "--storage", "postgres")]
    public async Task A_database_that_does_not_answer_stops_vigil_with_one_line_and_exit_code_3(string message, params string[] args)
    {
        // Port 1 on the loopback: nothing listens there, so the connection is refused at once.
        var (code, output) = await RunAsync([.. args, "--connection-string", "Host=127.0.0.1;Port=1;Username=v;Password=v;Database=v;Timeout=5", "--data-dir", _dataDir]);

        code.ShouldBe(3);
        output.Trim().ShouldNotContain('\n');
        output.ShouldContain(message);
    }

    [Fact]
    public async Task Serve_and_migrate_take_their_settings_from_VIGIL_environment_variables_too()
    {
        var env = new Dictionary<string, string> { ["VIGIL_Vigil__Roles"] = "bogus", ["VIGIL_VIGIL__STORAGE"] = "postgres" };

        var (serve, serveOutput) = await RunAsync(env, "serve", "--data-dir", _dataDir);
        var (migrate, migrateOutput) = await RunAsync(env, "migrate", "--data-dir", _dataDir);

        serve.ShouldBe(2);
        serveOutput.ShouldContain("unknown role 'bogus'");
        migrate.ShouldBe(2);
        migrateOutput.ShouldContain("--storage postgres needs --connection-string");
    }

    private static Task<(int Code, string Output)> RunAsync(params string[] args) => RunAsync(new Dictionary<string, string>(), args);

    private static async Task<(int Code, string Output)> RunAsync(Dictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "vigil.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }
}

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

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
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

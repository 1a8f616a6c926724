using System.CommandLine;
using Vigil.Hosting;
using Vigil.Storage.Migrations;
using Vigil.Storage.Sqlite;

namespace Vigil.Cli;

/// <summary>The <c>vigil</c> command line: <c>serve</c> runs Vigil, <c>migrate</c> brings a database's schema up to date.</summary>
public static class VigilCli
{
    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Vigil: medical telemetry. Ingests vital signs and clinical events, stores them durably, streams, scores and alerts.")
        {
            Serve(),
            Migrate(),
        };

        // The host handles SIGTERM/SIGINT itself and drains in-flight work; the parser must not cut that short.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static Option<string> DataDirOption() => new("--data-dir")
    {
        Description = "Directory for the database, the event log and the bootstrap admin key (default: ./data)",
    };

    private static Command Serve()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on (default: http://127.0.0.1:8080)" };
        var dataDir = DataDirOption();
        var command = new Command("serve", "Run Vigil: ingest, storage, event log and API in one process") { urls, dataDir };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellationToken) =>
        {
            var app = VigilApp.Build(result.UnmatchedTokens.ToArray(), builder => Override(builder.Configuration, new()
            {
                ["urls"] = result.GetValue(urls),
                [$"{VigilOptions.Section}:DataDir"] = result.GetValue(dataDir),
            }));
            try
            {
                await VigilApp.RunAsync(app, cancellationToken);
                return 0;
            }
            catch (Exception e) when (e is MigrationException or InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
            {
                await Console.Error.WriteLineAsync($"vigil: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    private static Command Migrate()
    {
        var dataDir = DataDirOption();
        var command = new Command("migrate", "Apply the database migrations and exit") { dataDir };
        command.SetAction(result =>
        {
            var db = new SqliteDatabase(result.GetValue(dataDir) ?? "data");
            try
            {
                var applied = StorageModule.Migrate(db);
                Console.WriteLine(applied.Count == 0
                    ? $"{db.Path}: schema is up to date."
                    : string.Join(Environment.NewLine, applied.Select(m => $"{db.Path}: applied V{m.Version} {m.Description} ({m.ExecutionMs} ms)")));
                return 0;
            }
            catch (MigrationException e)
            {
                Console.Error.WriteLine($"vigil migrate: {e.Message}");
                return 2;
            }
        });
        return command;
    }

    /// <summary>Flags given on the command line win over appsettings and environment; flags not given change nothing.</summary>
    private static void Override(ConfigurationManager configuration, Dictionary<string, string?> values) =>
        configuration.AddInMemoryCollection(values.Where(v => v.Value is not null));
}

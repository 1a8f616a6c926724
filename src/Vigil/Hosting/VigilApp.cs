using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;
using Vigil.Api;
using Vigil.Audit;
using Vigil.Dashboard;
using Vigil.Fhir;
using Vigil.Hl7;
using Vigil.Insights;
using Vigil.Notifications;
using Vigil.Observability;
using Vigil.Grpc;
using Vigil.Hosting.Readiness;
using Vigil.Processing;
using Vigil.Security;
using Vigil.Security.Https;
using Vigil.Security.Proxies;
using Vigil.Security.RateLimits;
using Vigil.Simulation;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Writes;

namespace Vigil.Hosting;

/// <summary>Builds the Vigil web application: modules in, endpoints mapped, storage migrated before the first request.</summary>
public static class VigilApp
{
    /// <summary>
    /// Builds the application for the roles, store and log the settings name. <paramref name="settings"/> (the CLI's
    /// flags) win over environment variables, which win over <paramref name="args"/> and appsettings.json; a setting
    /// that cannot work throws <see cref="StartupException"/> before anything is registered.
    /// </summary>
    public static WebApplication Build(
        string[] args, Action<WebApplicationBuilder>? configure = null, IEnumerable<KeyValuePair<string, string?>>? settings = null)
    {
        // Settings files live beside the binary; relative paths in them (the data directory) are taken from the working directory.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddEnvironmentVariables("VIGIL_");
        builder.Configuration.AddInMemoryCollection(settings?.Where(s => s.Value is not null) ?? []);
        builder.Services.AddOptions<VigilOptions>().BindConfiguration(VigilOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var deployment = Deployment.From(builder.Configuration.GetSection(VigilOptions.Section).Get<VigilOptions>() ?? new VigilOptions());
        builder.Services.AddSingleton(deployment);
        builder.Logging.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ"; o.UseUtcTimestamp = true; });
        builder.WebHost.UseKestrel(k => k.AddServerHeader = false);
        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi();
        // ASP.NET Core's data-protection keys live with the rest of Vigil's state, not in the service account's home.
        var dataDir = builder.Configuration[$"{VigilOptions.Section}:DataDir"] ?? new VigilOptions().DataDir;
        builder.Services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(dataDir, "keys")));
        builder.AddVigilStorage(deployment);
        builder.AddVigilSecurity();
        builder.AddVigilRateLimits();
        builder.AddVigilAudit();
        builder.AddVigilProcessing(deployment);
        builder.AddVigilReadiness(deployment);
        builder.AddVigilHl7(deployment);
        builder.AddVigilDashboard(deployment);
        builder.AddVigilNotifications(deployment);
        builder.AddVigilDemo(deployment);
        builder.AddVigilInsights();
        builder.AddVigilObservability();
        configure?.Invoke(builder);
        builder.AddVigilHttps();
        builder.AddVigilTrustedProxies();
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls("http://127.0.0.1:8080");
        }

        builder.AddVigilGrpc(deployment);

        var app = builder.Build();
        app.UseVigilRequestSpans();
        app.UseVigilTrustedProxies();
        app.Use((context, next) => Problems.Handle(context, next));
        app.UseVigilHttps();
        app.UseAuthentication();
        app.UseVigilRateLimits();
        app.UseVigilAudit();
        app.UseAuthorization();
        app.MapVigilHealth();
        app.MapVigilMetrics();
        // Endpoints of roles this process does not run are not mapped: they answer 404.
        if (deployment.Runs(Module.IngestEndpoints))
        {
            app.MapReadingIngest();
            app.MapEventIngest();
        }

        if (deployment.Runs(Module.ApiEndpoints))
        {
            app.MapOpenApi().RequireAuthorization(Access.Any);
            app.MapCustomers();
            app.MapDepartments();
            app.MapPatients();
            app.MapDevices();
            app.MapApiKeys();
            app.MapReadings();
            app.MapEvents();
            app.MapNews2();
            app.MapAggregates();
            app.MapDeadLetters();
            app.MapThresholds();
            app.MapAnomalyRules();
            app.MapInsights();
            app.MapAlerts();
            app.MapTimeline();
            app.MapHl7Senders();
            app.MapVigilDashboard();
            app.MapNotificationSubscriptions();
            app.MapNotificationDeliveries();
            app.MapVigilSimulator();
            app.MapVigilInsights();
            app.MapAudit();
        }

        if (deployment.Runs(Module.FhirIngest))
        {
            app.MapFhirIngest();
        }

        if (deployment.Runs(Module.FhirQueries))
        {
            app.MapFhirQueries();
        }

        if (deployment.Runs(Module.FhirIngest) || deployment.Runs(Module.FhirQueries))
        {
            app.MapFhirMetadata(deployment.Runs(Module.FhirIngest), deployment.Runs(Module.FhirQueries));
        }

        app.MapVigilGrpc(deployment);

        return app;
    }

    /// <summary>Locks the data directory, migrates, creates the bootstrap key if needed, then serves until stopped.</summary>
    public static async Task RunAsync(WebApplication app, CancellationToken cancellationToken)
    {
        await StartAsync(app, cancellationToken);
        await app.WaitForShutdownAsync(cancellationToken);
        await StopAsync(app);
    }

    public static async Task StartAsync(WebApplication app, CancellationToken cancellationToken)
    {
        var options = app.Services.GetRequiredService<IOptions<VigilOptions>>().Value;
        var deployment = app.Services.GetRequiredService<Deployment>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Vigil");
        string store;
        IReadOnlyList<Storage.Migrations.Migrator.Applied> applied;
        if (deployment.Storage == StorageKind.Sqlite)
        {
            // One process owns a data directory: the embedded database has one writer.
            var dataLock = new DataDirectoryLock(options.DataDir);
            app.Lifetime.ApplicationStopped.Register(dataLock.Dispose);
            applied = StorageModule.Migrate(app.Services.GetRequiredService<SqliteDatabase>());
            store = $"data in {Path.GetFullPath(options.DataDir)} (SQLite {SQLitePCL.raw.sqlite3_libversion().utf8_to_string()}, {SqliteLibrary.Source} library)";
        }
        else
        {
            // Every process of a deployment migrates at start; the migrator's advisory lock lets one apply and the rest wait.
            Directory.CreateDirectory(options.DataDir);
            var db = app.Services.GetRequiredService<Storage.Postgres.PostgresDatabase>();
            applied = db.Migrate();
            var partitions = app.Services.GetRequiredService<IOptions<Storage.EventLog.EventLogOptions>>().Value.Partitions;
            var wrong = app.Services.GetRequiredService<Kafka.KafkaHealth>().PartitionMismatches(Domain.Log.Topics.All, partitions, TimeSpan.FromSeconds(10));
            if (wrong.Count > 0)
            {
                throw new StartupException(
                    $"Kafka topics with another partition count than EventLog:Partitions ({partitions}): {string.Join(", ", wrong)}; patients would change partitions");
            }

            var target = new Npgsql.NpgsqlConnectionStringBuilder(db.ConnectionString);
            store = $"PostgreSQL {target.Host}:{target.Port}/{target.Database} and Kafka {options.KafkaBootstrap}";
        }

        foreach (var m in applied)
        {
            logger.LogInformation("Applied migration V{Version} ({Description}) in {Ms} ms", m.Version, m.Description, m.ExecutionMs);
        }

        await BootstrapAdminKey.EnsureAsync(app.Services, cancellationToken);
        await app.StartAsync(cancellationToken);
        logger.LogInformation("Vigil is listening on {Urls} with {Store}; roles: {Roles}",
            string.Join(", ", app.Urls), store, string.Join(",", deployment.Roles.Select(Roles.Name)));
    }

    /// <summary>Stops taking requests, lets in-flight ones finish, then drains the writer so every acknowledged write is committed.</summary>
    public static async Task StopAsync(WebApplication app)
    {
        await app.StopAsync();
        await app.Services.GetRequiredService<GroupCommitter>().DisposeAsync();
        await app.DisposeAsync();
    }
}

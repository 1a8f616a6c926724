using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vigil.Hosting.Readiness;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.EventLog;
using Vigil.Storage.Live;
using Vigil.Storage.Events;
using Vigil.Kafka;
using Vigil.Storage.Migrations;
using Vigil.Storage.Postgres;
using Vigil.Storage.Readings;
using Vigil.Storage.Reference;
using Vigil.Storage.Security;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Timeline;
using Vigil.Storage.Writes;

namespace Vigil.Hosting;

/// <summary>
/// The store and the event log, the one place where <c>--storage</c> and <c>--log</c> choose implementations: SQLite in
/// the data directory with the embedded log, or PostgreSQL with Kafka; the group committer and the stores on top are
/// the same for both.
/// </summary>
public static class StorageModule
{
    public static IHostApplicationBuilder AddVigilStorage(this IHostApplicationBuilder builder, Deployment deployment)
    {
        builder.Services.AddOptions<EventLogOptions>().BindConfiguration("EventLog").Validate(o => o.Partitions is >= 1 and <= 1024, "EventLog:Partitions must be 1 to 1024")
            .Validate(o => o.Retention > TimeSpan.Zero && o.RetentionCheckInterval > TimeSpan.Zero, "EventLog:Retention and RetentionCheckInterval must be positive")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        switch (deployment.Storage, deployment.Log)
        {
            case (StorageKind.Sqlite, EventLogKind.Embedded):
                AddEmbedded(builder.Services);
                break;
            case (StorageKind.Postgres, EventLogKind.Kafka):
                AddDistributed(builder.Services);
                break;
            default:
                throw new StartupException($"--storage {deployment.Storage} with --log {deployment.Log} is not a combination Vigil runs");
        }

        builder.Services.TryAddSingleton<Writers>();
        builder.Services.TryAddSingleton(sp => sp.GetRequiredService<Writers>().Shared);
        builder.Services.AddSingleton<ReferenceStore>();
        builder.Services.AddSingleton<ReadingStore>();
        builder.Services.AddSingleton<EventStore>();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<ThresholdStore>();
        builder.Services.AddSingleton<AnomalyRuleStore>();
        // Dashboard:Notify=false stops announcing changed patients (the dashboard's tiles then no longer update live).
        builder.Services.AddSingleton(new PatientChanges(builder.Configuration.GetValue("Dashboard:Notify", true)));
        builder.Services.AddSingleton<AlertStore>();
        builder.Services.AddSingleton<PatientTimeline>();
        return builder;
    }

    /// <summary>SQLite in the data directory with the embedded log, its retention and the by-patient indexer.</summary>
    private static void AddEmbedded(IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<VigilOptions>>().Value;
            return new SqliteDatabase(options.DataDir, options.WalAutoCheckpointPages);
        });
        services.TryAddSingleton<IDatabase>(sp => sp.GetRequiredService<SqliteDatabase>());
        services.TryAddSingleton<IEventLog, EmbeddedEventLog>();
        services.AddSingleton<EmbeddedLogRetention>();
        services.AddHostedService(sp => sp.GetRequiredService<EmbeddedLogRetention>());
        services.AddSingleton(sp => new ReadingIndexer(
            sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<GroupCommitter>(), sp.GetRequiredService<ILogger<ReadingIndexer>>()));
        services.AddSingleton<SqliteProbe>();
        services.AddSingleton<IReadinessProbe>(sp => sp.GetRequiredService<SqliteProbe>());
        services.AddSingleton<IReadinessProbe, EmbeddedLogProbe>();
    }

    /// <summary>
    /// PostgreSQL (a pooled data source) with the Kafka log: appends go to the outbox in the writer's transaction and
    /// this process's relay (one active across all processes) moves them to Kafka (docs/distributed.md).
    /// </summary>
    private static void AddDistributed(IServiceCollection services)
    {
        services.TryAddSingleton(sp => new PostgresDatabase(sp.GetRequiredService<IOptions<VigilOptions>>().Value.ConnectionString!));
        services.TryAddSingleton<IDatabase>(sp => sp.GetRequiredService<PostgresDatabase>());
        services.AddOptions<KafkaOptions>().BindConfiguration(KafkaOptions.Section).Configure<IOptions<VigilOptions>>((kafka, vigil) =>
        {
            kafka.Bootstrap = vigil.Value.KafkaBootstrap ?? kafka.Bootstrap;
            foreach (var (key, value) in vigil.Value.KafkaConfig)
            {
                kafka.Config[key] = value;
            }
        });
        services.TryAddSingleton<IEventLog>(sp => new KafkaEventLog(
            sp.GetRequiredService<PostgresDatabase>().DataSource, sp.GetRequiredService<IOptions<KafkaOptions>>(), sp.GetRequiredService<IOptions<EventLogOptions>>()));
        services.AddHostedService(sp => new OutboxRelay(
            sp.GetRequiredService<PostgresDatabase>().DataSource, sp.GetRequiredService<IOptions<KafkaOptions>>(), sp.GetRequiredService<ILogger<OutboxRelay>>()));
        services.AddSingleton<KafkaHealth>();
        services.AddSingleton<IReadinessProbe>(sp => new PostgresProbe(sp.GetRequiredService<PostgresDatabase>()));
        services.AddSingleton<IReadinessProbe, KafkaProbe>();
    }

    /// <summary>
    /// <c>vigil migrate</c>: applies the migrations of the store <paramref name="options"/> name; returns where, and
    /// what was applied.
    /// </summary>
    public static (string Target, IReadOnlyList<Migrator.Applied> Applied) Migrate(VigilOptions options)
    {
        switch (Deployment.StorageFrom(options))
        {
            case StorageKind.Sqlite:
                var db = new SqliteDatabase(options.DataDir, options.WalAutoCheckpointPages);
                return (db.Path, Migrate(db));
            default:
                var target = new Npgsql.NpgsqlConnectionStringBuilder(options.ConnectionString) { Password = null };
                return ($"postgres {target.Host}:{target.Port}/{target.Database}", PostgresDatabase.Migrate(options.ConnectionString!));
        }
    }

    /// <summary>Applies the embedded migrations; refuses to start on a database whose history does not match.</summary>
    public static IReadOnlyList<Migrator.Applied> Migrate(SqliteDatabase db)
    {
        using var connection = db.Open();
        return Migrator.Migrate(connection, Migration.Embedded("sqlite"));
    }
}

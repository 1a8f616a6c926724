using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Vigil.Hosting.Readiness;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.EventLog;
using Vigil.Storage.Events;
using Vigil.Storage.Migrations;
using Vigil.Storage.Readings;
using Vigil.Storage.Reference;
using Vigil.Storage.Security;
using Vigil.Storage.Sqlite;
using Vigil.Storage.Timeline;
using Vigil.Storage.Writes;

namespace Vigil.Hosting;

/// <summary>
/// The store and the event log: SQLite in the data directory with the group committer, the embedded event log and
/// the stores. The one place where <c>--storage</c> and <c>--log</c> choose implementations: the PostgreSQL stores and
/// the Kafka log plug in at the two switches below (<see cref="AddVigilStorage"/>, <see cref="Migrate(VigilOptions)"/>).
/// </summary>
public static class StorageModule
{
    public static IHostApplicationBuilder AddVigilStorage(this IHostApplicationBuilder builder, Deployment deployment)
    {
        switch (deployment.Storage, deployment.Log)
        {
            case (StorageKind.Sqlite, EventLogKind.Embedded):
                break;
            default:
                throw NotInThisBuild(deployment.Storage, deployment.Log);
        }

        builder.Services.AddOptions<EventLogOptions>().BindConfiguration("EventLog").Validate(o => o.Partitions is >= 1 and <= 1024, "EventLog:Partitions must be 1 to 1024")
            .Validate(o => o.Retention > TimeSpan.Zero && o.RetentionCheckInterval > TimeSpan.Zero, "EventLog:Retention and RetentionCheckInterval must be positive")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<VigilOptions>>().Value;
            return new SqliteDatabase(options.DataDir, options.WalAutoCheckpointPages);
        });
        builder.Services.TryAddSingleton<IDatabase>(sp => sp.GetRequiredService<SqliteDatabase>());
        builder.Services.TryAddSingleton(sp =>
        {
            var db = sp.GetRequiredService<SqliteDatabase>();
            return new GroupCommitter(db.OpenWriter, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<GroupCommitter>>());
        });
        builder.Services.TryAddSingleton<IEventLog, EmbeddedEventLog>();
        builder.Services.AddSingleton<EmbeddedLogRetention>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EmbeddedLogRetention>());
        builder.Services.AddSingleton<ReferenceStore>();
        builder.Services.AddSingleton(sp => new ReadingIndexer(
            sp.GetRequiredService<SqliteDatabase>(), sp.GetRequiredService<GroupCommitter>(), sp.GetRequiredService<ILogger<ReadingIndexer>>()));
        builder.Services.AddSingleton<ReadingStore>();
        builder.Services.AddSingleton<EventStore>();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<ThresholdStore>();
        builder.Services.AddSingleton<AlertStore>();
        builder.Services.AddSingleton<PatientTimeline>();
        builder.Services.AddSingleton<SqliteProbe>();
        builder.Services.AddSingleton<IReadinessProbe>(sp => sp.GetRequiredService<SqliteProbe>());
        builder.Services.AddSingleton<IReadinessProbe, EmbeddedLogProbe>();
        return builder;
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
                throw NotInThisBuild(StorageKind.Postgres, null);
        }
    }

    private static StartupException NotInThisBuild(StorageKind storage, EventLogKind? log)
    {
        var missing = new List<string>();
        if (storage == StorageKind.Postgres)
        {
            missing.Add("the PostgreSQL stores (--storage postgres)");
        }

        if (log == EventLogKind.Kafka)
        {
            missing.Add("the Kafka event log (--log kafka)");
        }

        var instead = log is null ? "--storage sqlite" : "--storage sqlite --log embedded";
        return new StartupException($"not in this build yet: {string.Join(" and ", missing)}; use {instead}");
    }

    /// <summary>Applies the embedded migrations; refuses to start on a database whose history does not match.</summary>
    public static IReadOnlyList<Migrator.Applied> Migrate(SqliteDatabase db)
    {
        using var connection = db.Open();
        return Migrator.Migrate(connection, Migration.Embedded("sqlite"));
    }
}

using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
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

/// <summary>The embedded storage: SQLite in the data directory, the group committer, the embedded event log and the stores.</summary>
public static class StorageModule
{
    public static IHostApplicationBuilder AddVigilStorage(this IHostApplicationBuilder builder)
    {
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
        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: ["ready"]);
        return builder;
    }

    /// <summary>Applies the embedded migrations; refuses to start on a database whose history does not match.</summary>
    public static IReadOnlyList<Migrator.Applied> Migrate(SqliteDatabase db)
    {
        using var connection = db.Open();
        return Migrator.Migrate(connection, Migration.Embedded("sqlite"));
    }
}

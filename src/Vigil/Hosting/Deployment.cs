namespace Vigil.Hosting;

public enum StorageKind
{
    Sqlite,
    Postgres,
}

public enum EventLogKind
{
    Embedded,
    Kafka,
}

/// <summary>
/// What this process runs and on what: its roles, the store and the event log, read from <see cref="VigilOptions"/>
/// (appsettings, <c>VIGIL_</c> environment variables, flags) and checked before anything is registered.
/// </summary>
public sealed record Deployment(IReadOnlyList<ProcessRole> Roles, StorageKind Storage, EventLogKind Log)
{
    public bool Runs(Module module) => Roles.Any(r => Hosting.Roles.ModulesOf(r).Contains(module));

    public static Deployment From(VigilOptions options)
    {
        var roles = Hosting.Roles.Parse(options.Roles);
        var storage = StorageFrom(options);
        var log = Parse<EventLogKind>(options.Log, "event log", "--log, Vigil:Log", "embedded or kafka");
        if (log == EventLogKind.Kafka && string.IsNullOrWhiteSpace(options.KafkaBootstrap))
        {
            throw new StartupException("--log kafka needs --kafka-bootstrap host:port (Vigil:KafkaBootstrap)");
        }

        // The embedded log is a set of tables in the SQLite database, appended in the writer's own transaction; the Kafka
        // log's outbox and consumer offsets live in PostgreSQL. So each store goes with one log.
        if (storage == StorageKind.Postgres && log == EventLogKind.Embedded)
        {
            throw new StartupException("--storage postgres needs --log kafka: the embedded log lives in the SQLite database");
        }

        if (storage == StorageKind.Sqlite && log == EventLogKind.Kafka)
        {
            throw new StartupException("--log kafka needs --storage postgres: the Kafka log keeps its outbox and offsets in PostgreSQL");
        }

        return new Deployment(roles, storage, log);
    }

    /// <summary>The store alone, for <c>vigil migrate</c>.</summary>
    public static StorageKind StorageFrom(VigilOptions options)
    {
        var storage = Parse<StorageKind>(options.Storage, "storage", "--storage, Vigil:Storage", "sqlite or postgres");
        if (storage == StorageKind.Postgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            throw new StartupException("--storage postgres needs --connection-string \"Host=...;Database=...\" (Vigil:ConnectionString)");
        }

        return storage;
    }

    private static T Parse<T>(string? value, string what, string where, string choices) where T : struct, Enum =>
        Enum.TryParse<T>(value, ignoreCase: true, out var kind) && Enum.IsDefined(kind) && !int.TryParse(value, out _)
            ? kind
            : throw new StartupException($"unknown {what} '{value}' ({where}): {choices}");
}

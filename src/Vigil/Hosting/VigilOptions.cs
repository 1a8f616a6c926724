using System.ComponentModel.DataAnnotations;
using Vigil.Storage.Sqlite;

namespace Vigil.Hosting;

/// <summary>
/// Settings of a Vigil process: section "Vigil" of appsettings.json, overridden by <c>VIGIL_Vigil__Name</c>
/// environment variables, overridden by the flags of <c>serve</c> and <c>migrate</c>.
/// </summary>
public sealed class VigilOptions
{
    public const string Section = "Vigil";

    /// <summary>Where the database, the log and the bootstrap admin key live.</summary>
    [Required]
    public string DataDir { get; set; } = "data";

    /// <summary>Largest number of readings or events in one request.</summary>
    [Range(1, 1_000_000)]
    public int MaxBatchItems { get; set; } = 10_000;

    /// <summary>Largest ingest request body, in bytes (8 MiB).</summary>
    [Range(1024, 1L << 30)]
    public long MaxBodyBytes { get; set; } = 8L * 1024 * 1024;

    /// <summary>
    /// WAL pages after which the writer checkpoints (SQLite's wal_autocheckpoint): larger means fewer, longer
    /// checkpoints, which the writer runs inside a commit (throughput up, the odd commit slower).
    /// </summary>
    [Range(100, 1_000_000)]
    public int WalAutoCheckpointPages { get; set; } = SqliteDatabase.DefaultWalAutoCheckpointPages;

    /// <summary>Comma-separated roles this process runs (--roles): ingest, enrich, analyze, process, notify, api, hl7, or all.</summary>
    public string Roles { get; set; } = Hosting.Roles.All;

    /// <summary>The store (--storage): sqlite (embedded, in <see cref="DataDir"/>) or postgres.</summary>
    public string Storage { get; set; } = "sqlite";

    /// <summary>The PostgreSQL connection string (--connection-string), needed with postgres.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The event log (--log): embedded (tables in the SQLite database) or kafka.</summary>
    public string Log { get; set; } = "embedded";

    /// <summary>Kafka's bootstrap servers, host:port[,host:port] (--kafka-bootstrap), needed with kafka.</summary>
    public string? KafkaBootstrap { get; set; }

    /// <summary>Settings handed to the Kafka client as they are (--kafka-config key=value, repeatable).</summary>
    public Dictionary<string, string> KafkaConfig { get; set; } = [];
}

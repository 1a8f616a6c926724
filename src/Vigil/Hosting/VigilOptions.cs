using System.ComponentModel.DataAnnotations;
using Vigil.Storage.Sqlite;

namespace Vigil.Hosting;

/// <summary>Settings of a Vigil process (section "Vigil"; flags and VIGIL__* environment variables override).</summary>
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
}

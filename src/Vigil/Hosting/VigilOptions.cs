using System.ComponentModel.DataAnnotations;

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
}

namespace Vigil.Bench;

/// <summary>
/// How far a running server's processing has got, read from its store beside the product: SQLite's vigil.db
/// (<see cref="ProcessingProbe"/>) or the PostgreSQL database of the distributed mode (<see cref="PostgresProcessingProbe"/>).
/// </summary>
public interface IProcessingProbe : IDisposable
{
    /// <summary>Readings of the customer reflected in its 1-minute windows (each quantity reading is in exactly one).</summary>
    long Reflected();

    /// <summary>Windows ending at or before <paramref name="watermark"/> that are not final yet.</summary>
    long NotFinal(DateTimeOffset watermark);

    /// <summary>Messages each processing group has still to commit, summed over <paramref name="partitions"/> partitions.</summary>
    IReadOnlyList<(string Group, long Lag)> Lags(int partitions);
}

namespace Vigil.Storage.Readings;

/// <summary>What an ingest stored: new items, idempotent resends, and every item's id in request order.</summary>
public sealed record IngestResult(int Accepted, int Duplicates, IReadOnlyList<string> Ids)
{
    /// <summary>Per item in request order, whether it was stored now (false: a resend). Empty where a store does not say.</summary>
    public IReadOnlyList<bool> Stored { get; init; } = [];
}

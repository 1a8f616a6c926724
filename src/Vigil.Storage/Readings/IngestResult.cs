namespace Vigil.Storage.Readings;

/// <summary>What an ingest stored: new items, idempotent resends, and every item's id in request order.</summary>
public sealed record IngestResult(int Accepted, int Duplicates, IReadOnlyList<string> Ids);

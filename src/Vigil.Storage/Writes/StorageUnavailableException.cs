namespace Vigil.Storage.Writes;

/// <summary>The database could not make a write durable; the caller must not acknowledge it (HTTP 503, Retry-After).</summary>
public sealed class StorageUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

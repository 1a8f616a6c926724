using Microsoft.Extensions.Options;

namespace Vigil.Security.Jwt;

/// <summary>
/// The identity provider's signing keys, from a JWKS file or URL. Loaded on first use and kept for
/// <see cref="JwtOptions.KeyLifetimeSeconds"/>; a token naming a key id the set lacks (the provider rotated its keys)
/// loads the set again, at most once per <see cref="JwtOptions.UnknownKeyRefreshSeconds"/>, so forged key ids cannot
/// make Vigil hammer the provider. When a load fails the keys already held stay in use.
/// </summary>
public sealed class JwtKeys(IOptions<JwtOptions> options, TimeProvider clock, ILogger<JwtKeys> logger) : IDisposable
{
    private readonly JwtOptions _options = options.Value;
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private JsonWebKeySet _set = JsonWebKeySet.Empty;
    private DateTimeOffset? _loadedAt;
    private DateTimeOffset? _triedAt;

    /// <summary>How many times the key set was read (for tests and diagnostics).</summary>
    public int Loads { get; private set; }

    /// <summary>The current key set, loading or reloading it when due; <paramref name="kid"/> unknown to it may reload it once.</summary>
    public async Task<JsonWebKeySet> GetAsync(string? kid, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!Due(now, kid))
        {
            return _set;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            now = clock.GetUtcNow();
            if (Due(now, kid))
            {
                _triedAt = now;
                await LoadAsync(now, cancellationToken);
            }

            return _set;
        }
        finally
        {
            _loading.Release();
        }
    }

    private bool Due(DateTimeOffset now, string? kid)
    {
        if (_loadedAt is null || now - _loadedAt >= TimeSpan.FromSeconds(_options.KeyLifetimeSeconds))
        {
            // Not loaded yet, or stale: load, but a failing source is retried only once per refresh interval.
            return _triedAt is null || now - _triedAt >= TimeSpan.FromSeconds(Math.Max(1, _options.UnknownKeyRefreshSeconds));
        }

        return kid is not null && !_set.Has(kid) && now - _triedAt >= TimeSpan.FromSeconds(_options.UnknownKeyRefreshSeconds);
    }

    private async Task LoadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var source = _options.JwksFile is { Length: > 0 } file ? file : _options.JwksUrl!;
        try
        {
            var json = _options.JwksFile is { Length: > 0 }
                ? await File.ReadAllTextAsync(source, cancellationToken)
                : await _http.GetStringAsync(source, cancellationToken);
            _set = JsonWebKeySet.Parse(json);
            _loadedAt = now;
            Loads++;
            logger.LogInformation("Loaded {Count} token signing keys from {Source}", _set.Keys.Count, source);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or UnauthorizedAccessException or FormatException
                                      or System.Text.Json.JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Cannot load token signing keys from {Source}: {Error}; keeping {Count} keys", source, e.Message, _set.Keys.Count);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _loading.Dispose();
    }
}

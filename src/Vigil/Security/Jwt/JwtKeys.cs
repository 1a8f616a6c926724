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
    /// <summary>The keys, when they were loaded and when a load was last tried: replaced whole, so readers outside the lock see one consistent state.</summary>
    private sealed record State(JsonWebKeySet Set, DateTimeOffset? LoadedAt, DateTimeOffset? TriedAt);

    private volatile State _state = new(JsonWebKeySet.Empty, null, null);

    /// <summary>The current key set, loading or reloading it when due; <paramref name="kid"/> unknown to it may reload it once.</summary>
    public async Task<JsonWebKeySet> GetAsync(string? kid, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (!Due(_state, now, kid))
        {
            return _state.Set;
        }

        await _loading.WaitAsync(cancellationToken);
        try
        {
            now = clock.GetUtcNow();
            if (Due(_state, now, kid))
            {
                _state = _state with { TriedAt = now };
                await LoadAsync(now, cancellationToken);
            }

            return _state.Set;
        }
        finally
        {
            _loading.Release();
        }
    }

    private bool Due(State state, DateTimeOffset now, string? kid)
    {
        if (state.LoadedAt is null || now - state.LoadedAt >= TimeSpan.FromSeconds(_options.KeyLifetimeSeconds))
        {
            // Not loaded yet, or stale: load, but a failing source is retried only once per refresh interval.
            return state.TriedAt is null || now - state.TriedAt >= TimeSpan.FromSeconds(Math.Max(1, _options.UnknownKeyRefreshSeconds));
        }

        return kid is not null && !state.Set.Has(kid) && now - state.TriedAt >= TimeSpan.FromSeconds(_options.UnknownKeyRefreshSeconds);
    }

    private async Task LoadAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var source = _options.JwksFile is { Length: > 0 } file ? file : _options.JwksUrl!;
        try
        {
            var json = _options.JwksFile is { Length: > 0 }
                ? await File.ReadAllTextAsync(source, cancellationToken)
                : await _http.GetStringAsync(source, cancellationToken);
            var set = JsonWebKeySet.Parse(json);
            _state = new State(set, now, now);
            logger.LogInformation("Loaded {Count} token signing keys from {Source}", set.Keys.Count, source);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or UnauthorizedAccessException or FormatException
                                      or System.Text.Json.JsonException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("Cannot load token signing keys from {Source}: {Error}; keeping {Count} keys", source, e.Message, _state.Set.Keys.Count);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        _loading.Dispose();
    }
}

using Microsoft.AspNetCore.Builder;

namespace Vigil.Tests.Infrastructure;

/// <summary>
/// One running server per test class, in embedded mode; <see cref="DistributedServerFixture"/> runs the same tests
/// against PostgreSQL and Kafka. Tests keep apart by using their own customer ids.
/// </summary>
public class ServerFixture : IAsyncLifetime
{
    private readonly IVigilStores _stores;
    private VigilStore? _store;
    private VigilServer? _server;

    public ServerFixture()
        : this(new EmbeddedStores())
    {
    }

    protected ServerFixture(IVigilStores stores) => _stores = stores;

    public VigilServer Server
    {
        get
        {
            _stores.EnsureAvailable();
            return _server!;
        }
    }

    public VigilDatabase Database
    {
        get
        {
            _stores.EnsureAvailable();
            return _store!.Database;
        }
    }

    /// <summary>A store of its own in this fixture's mode, for a test that starts servers itself (a restart, other settings).</summary>
    public async Task<VigilStore> CreateStoreAsync()
    {
        _stores.EnsureAvailable();
        return await _stores.CreateAsync();
    }

    protected virtual void Configure(WebApplicationBuilder builder)
    {
    }

    public async ValueTask InitializeAsync()
    {
        await _stores.InitializeAsync();
        if (_stores.Available)
        {
            _store = await _stores.CreateAsync();
            _server = await _store.StartAsync(Configure);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_store is not null)
        {
            await _store.DisposeAsync();
        }

        GC.SuppressFinalize(this);
    }
}

/// <summary>The server of <see cref="ServerFixture"/> in distributed mode (docs/distributed.md) on the test servers.</summary>
public sealed class DistributedServerFixture() : ServerFixture(new DistributedStores());

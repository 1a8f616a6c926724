using Microsoft.AspNetCore.Builder;

namespace Vigil.Tests.Infrastructure;

/// <summary>
/// Where a server keeps its state in one of the two modes, created empty for a fixture or a test and removed on
/// dispose. Servers started on the same store see the same data, as a restarted process would.
/// </summary>
public abstract class VigilStore : IAsyncDisposable
{
    /// <summary>The data directory: the whole state in embedded mode, only the bootstrap key and ASP.NET's keys in distributed mode.</summary>
    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "vigil-test-" + Guid.NewGuid().ToString("N"));

    public abstract VigilDatabase Database { get; }

    /// <summary>The settings <c>vigil serve</c>'s flags would give for this store.</summary>
    protected abstract IReadOnlyDictionary<string, string?> Settings { get; }

    public Task<VigilServer> StartAsync(Action<WebApplicationBuilder>? configure = null) =>
        VigilServer.StartAsync(DataDir, configure, Settings);

    public virtual ValueTask DisposeAsync()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
            // The server never started.
        }
        catch (IOException)
        {
            // A file still held open by a pooled connection; the temp directory is cleaned by the OS.
        }

        GC.SuppressFinalize(this);
        return ValueTask.CompletedTask;
    }
}

/// <summary>How a fixture gets its stores: one mode's servers, probed once per fixture.</summary>
public interface IVigilStores
{
    /// <summary>Probes what the mode needs; never throws for a missing server, <see cref="EnsureAvailable"/> reports it.</summary>
    ValueTask InitializeAsync();

    /// <summary>Ends the test (skip, or failure under CI=true) when the mode's servers are missing.</summary>
    void EnsureAvailable();

    bool Available { get; }

    Task<VigilStore> CreateAsync();
}

/// <summary>The embedded mode: SQLite and the built-in log in a fresh data directory.</summary>
public sealed class EmbeddedStores : IVigilStores
{
    public bool Available => true;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public void EnsureAvailable()
    {
    }

    public Task<VigilStore> CreateAsync() => Task.FromResult<VigilStore>(new EmbeddedStore());

    private sealed class EmbeddedStore : VigilStore
    {
        public override VigilDatabase Database => new SqliteVigilDatabase(DataDir);

        protected override IReadOnlyDictionary<string, string?> Settings { get; } = new Dictionary<string, string?>();
    }
}

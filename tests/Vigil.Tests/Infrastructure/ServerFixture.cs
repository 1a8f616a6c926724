namespace Vigil.Tests.Infrastructure;

/// <summary>One running server per test class; tests keep apart by using their own customer ids.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public VigilServer Server { get; private set; } = null!;

    public VigilDatabase Database => new(Server.DataDir);

    public async ValueTask InitializeAsync() => Server = await VigilServer.StartAsync();

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

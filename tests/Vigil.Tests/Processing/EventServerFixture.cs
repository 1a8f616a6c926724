using Microsoft.Extensions.DependencyInjection;
using Vigil.Processing.Events;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>A server whose process role also has the test handlers (<c>test_slow</c>, <c>test_flaky</c>) beside the built-in ones.</summary>
public sealed class EventServerFixture : IAsyncLifetime
{
    internal HandlerLog HandlerLog { get; } = new();

    internal FlakyHandler Flaky { get; } = new();

    public VigilServer Server { get; private set; } = null!;

    public VigilDatabase Database => new(Server.DataDir);

    internal EventProcessor Processor => Server.Services.GetRequiredService<EventProcessor>();

    public async ValueTask InitializeAsync() => Server = await VigilServer.StartAsync(configure: b =>
    {
        b.Services.AddSingleton<IEventHandler>(new SlowHandler(HandlerLog));
        b.Services.AddSingleton<IEventHandler>(Flaky);
    });

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}

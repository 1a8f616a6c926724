using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Processing.Events;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Processing;

/// <summary>A server whose process role also has the test handlers (<c>test_slow</c>, <c>test_flaky</c>) beside the built-in ones.</summary>
public class EventServerFixture : ServerFixture
{
    public EventServerFixture()
        : this(new EmbeddedStores())
    {
    }

    protected EventServerFixture(IVigilStores stores)
        : base(stores)
    {
    }

    internal HandlerLog HandlerLog { get; } = new();

    internal FlakyHandler Flaky { get; } = new();

    internal EventProcessor Processor => Server.Services.GetRequiredService<EventProcessor>();

    protected override void Configure(WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IEventHandler>(new SlowHandler(HandlerLog));
        builder.Services.AddSingleton<IEventHandler>(Flaky);
    }
}

/// <summary>The server of <see cref="EventServerFixture"/> in distributed mode.</summary>
public sealed class DistributedEventServerFixture() : EventServerFixture(new DistributedStores());

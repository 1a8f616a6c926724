using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Security;

/// <summary>A running server (embedded mode) that accepts the bearer tokens of its <see cref="TokenIssuer"/> (a JWKS file).</summary>
public class BearerServerFixture : ServerFixture, IAsyncDisposable
{
    public BearerServerFixture()
    {
    }

    protected BearerServerFixture(IVigilStores stores)
        : base(stores)
    {
    }

    public TokenIssuer Tokens { get; } = new();

    protected override void Configure(WebApplicationBuilder builder) => builder.Configuration.AddInMemoryCollection(Tokens.Settings);

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await base.DisposeAsync();
        Tokens.Dispose();
    }
}

/// <summary><see cref="BearerServerFixture"/> in distributed mode: PostgreSQL and Kafka.</summary>
public sealed class DistributedBearerServerFixture() : BearerServerFixture(new DistributedStores());

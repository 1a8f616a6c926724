using System.Globalization;
using System.Net;
using System.Threading.RateLimiting;

namespace Vigil.Security.RateLimits;

/// <summary>
/// Message rate limits of the MLLP listener's connections: a token bucket per connection, chained with one shared by
/// every connection from the same address, the connection's asked first so that a message it refuses takes nothing
/// from its address. Each bucket holds its limit and is refilled in full every window. A limit of 0 turns that level off.
/// </summary>
public sealed class MessageRateLimits : IDisposable
{
    private readonly int _perConnection;
    private readonly int _perAddress;
    private readonly TimeSpan _window;
    private readonly PartitionedRateLimiter<IPAddress>? _addresses;

    public MessageRateLimits(int perConnection, int perAddress, TimeSpan window)
    {
        (_perConnection, _perAddress, _window) = (perConnection, perAddress, window);
        if (perAddress > 0)
        {
            _addresses = PartitionedRateLimiter.Create<IPAddress, IPAddress>(address =>
                RateLimitPartition.GetTokenBucketLimiter(address, _ => Bucket(perAddress, window)));
        }
    }

    /// <summary>The bucket of one connection (dispose it with the connection), or null when connections are not limited.</summary>
    public RateLimiter? ForConnection() => _perConnection > 0 ? new TokenBucketRateLimiter(Bucket(_perConnection, _window)) : null;

    /// <summary>
    /// Takes one message's token; on refusal, says which limit refused it and in how many whole seconds a token is back.
    /// </summary>
    public bool TryTake(RateLimiter? connection, IPAddress address, out string reason, out int retryAfterSeconds)
    {
        (reason, retryAfterSeconds) = ("", 0);
        if (connection is not null)
        {
            using var lease = connection.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                (reason, retryAfterSeconds) = ($"more than {_perConnection} messages in {Window} on this connection", RetryAfter(lease));
                return false;
            }
        }

        if (_addresses is not null)
        {
            using var lease = _addresses.AttemptAcquire(address);
            if (!lease.IsAcquired)
            {
                (reason, retryAfterSeconds) = ($"more than {_perAddress} messages in {Window} from {address}", RetryAfter(lease));
                return false;
            }
        }

        return true;
    }

    public void Dispose() => _addresses?.Dispose();

    private string Window => _window.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    private static TokenBucketRateLimiterOptions Bucket(int limit, TimeSpan window) => new()
    {
        TokenLimit = limit,
        TokensPerPeriod = limit,
        ReplenishmentPeriod = window,
        AutoReplenishment = true,
        QueueLimit = 0,
    };

    private static int RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
}

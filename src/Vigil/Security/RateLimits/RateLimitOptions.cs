using System.ComponentModel.DataAnnotations;

namespace Vigil.Security.RateLimits;

/// <summary>
/// Request rate limits of the HTTP and gRPC API (section <c>Vigil:RateLimits</c>): a token bucket per API key and one
/// per customer, both applied, the key's first. The defaults stay out of the way of the benchmarks (about 30 batch
/// POSTs or 25,000 single-reading POSTs a second from one key) and stop a runaway client from taking the whole process.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Vigil:RateLimits";

    /// <summary>False turns both limits off.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The bucket of each API key (or signed-in user).</summary>
    [Required]
    public TokenBucket PerKey { get; set; } = new() { Burst = 20_000, TokensPerPeriod = 5_000, Period = TimeSpan.FromMilliseconds(100) };

    /// <summary>The bucket shared by every key of one customer.</summary>
    [Required]
    public TokenBucket PerCustomer { get; set; } = new() { Burst = 40_000, TokensPerPeriod = 10_000, Period = TimeSpan.FromMilliseconds(100) };

    /// <summary>
    /// A token bucket: a request takes one token; the bucket holds at most <see cref="Burst"/> and gains
    /// <see cref="TokensPerPeriod"/> every <see cref="Period"/>.
    /// </summary>
    public sealed class TokenBucket
    {
        [Range(1, int.MaxValue)]
        public int Burst { get; set; }

        [Range(1, int.MaxValue)]
        public int TokensPerPeriod { get; set; }

        public TimeSpan Period { get; set; }

        /// <summary>Requests per second over a long run.</summary>
        public double PerSecond => TokensPerPeriod / Period.TotalSeconds;
    }
}

using System.ComponentModel.DataAnnotations;

namespace Vigil.Hl7;

/// <summary>The MLLP listener of the hl7 role: section <c>Vigil:Hl7</c> (flags <c>--hl7-port</c>, <c>--hl7-address</c>).</summary>
public sealed class Hl7Options
{
    public const string Section = "Vigil:Hl7";

    /// <summary>The address to listen on; 0.0.0.0 or :: for every interface.</summary>
    [Required]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The TCP port (2575 is HL7's registered port); 0 picks a free one.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 2575;

    /// <summary>The largest message, in bytes (1 MiB); a longer frame is refused and its connection closed.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a connection may send nothing before it is closed (a half-open connection holds nothing for long).</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Connections served at once; one more is closed as soon as it is accepted.</summary>
    [Range(1, 100_000)]
    public int MaxConnections { get; set; } = 256;

    /// <summary>
    /// Messages one connection may send per <see cref="RateWindow"/> (a monitor sends a few a second); one over the
    /// limit is answered AR and not handled, and the connection stays open. 0: no limit.
    /// </summary>
    [Range(0, 1_000_000)]
    public int MaxMessagesPerConnection { get; set; } = 500;

    /// <summary>Messages all connections from one address may send together per <see cref="RateWindow"/> (a gateway's). 0: no limit.</summary>
    [Range(0, 1_000_000)]
    public int MaxMessagesPerAddress { get; set; } = 5000;

    /// <summary>The window of the two message limits: each is a token bucket refilled in full every window.</summary>
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromSeconds(1);
}

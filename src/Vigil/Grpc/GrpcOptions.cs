using System.ComponentModel.DataAnnotations;

namespace Vigil.Grpc;

/// <summary>
/// The gRPC listener (section "Vigil:Grpc"): its own Kestrel endpoint speaking HTTP/2 only, plaintext (h2c) unless a
/// certificate is configured. It runs in processes that run the ingest or the api role.
/// </summary>
public sealed class GrpcOptions
{
    public const string Section = "Vigil:Grpc";

    public bool Enabled { get; set; } = true;

    /// <summary>The address to bind: an IP address, "localhost", or "*" for every interface.</summary>
    [Required]
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>The port; 0 picks a free one (the log says which).</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 50051;

    /// <summary>A PKCS#12 (.pfx) or PEM certificate: with one, the listener speaks TLS (ALPN h2) instead of h2c.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/>.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="CertificatePath"/>.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Readings of a client stream committed together: larger means fewer transactions, more to resend after a failure.</summary>
    [Range(1, 1_000_000)]
    public int StreamCommitReadings { get; set; } = 5000;

    /// <summary>How often <c>AlertService.Watch</c> looks for new alert transitions.</summary>
    [Range(10, 60_000)]
    public int WatchPollMilliseconds { get; set; } = 250;

    /// <summary>
    /// Messages per second one call's request stream may send (a stream of one reading per message reaches about 8,000
    /// on the benchmark machine); past it the call ends with RESOURCE_EXHAUSTED. 0: no limit. A message's size is limited
    /// by Vigil:MaxBodyBytes.
    /// </summary>
    [Range(0, 10_000_000)]
    public int MessagesPerSecondPerStream { get; set; } = 50_000;
}

namespace Vigil.Security.Https;

/// <summary>
/// HTTPS for the HTTP API and the dashboard (section "Vigil:Tls", flags <c>--tls-*</c>): a certificate as PEM
/// (certificate and key files) or PKCS#12 (one file and its password). With one, <c>https://</c> addresses in
/// <c>--urls</c> use it, the default address becomes <see cref="DefaultUrl"/>, and HTTPS answers carry HSTS.
/// </summary>
public sealed class HttpsOptions
{
    public const string Section = "Vigil:Tls";

    /// <summary>Where Vigil listens when a certificate is configured and no <c>--urls</c> are given.</summary>
    public const string DefaultUrl = "https://127.0.0.1:8443";

    /// <summary>A PEM certificate (chain) or a PKCS#12 (.pfx, .p12) file (--tls-cert).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/> (--tls-key).</summary>
    public string? KeyPath { get; set; }

    /// <summary>The password of a PKCS#12 file, or of an encrypted PEM key (--tls-password).</summary>
    public string? Password { get; set; }

    /// <summary>HSTS max-age (RFC 6797), in days; 0 sends no HSTS header.</summary>
    public int HstsMaxAgeDays { get; set; } = 365;

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}

using System.Security.Cryptography;

namespace Vigil.Notifications;

/// <summary>
/// The <c>X-Vigil-Signature</c> header: <c>sha256=</c> and the lowercase hex HMAC-SHA256 (RFC 2104, FIPS 180-4) of the
/// exact body bytes, keyed with the subscription's secret (UTF-8).
/// </summary>
public static class WebhookSignature
{
    public const string Header = "X-Vigil-Signature";

    public static string For(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret), body));
}

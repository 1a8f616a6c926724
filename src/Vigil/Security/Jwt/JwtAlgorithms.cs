namespace Vigil.Security.Jwt;

/// <summary>
/// The signature algorithms Vigil accepts (RFC 7518 section 3.1): RS256 and ES256, both asymmetric. <c>none</c> and the
/// HMAC family are refused outright: with a public key set, an HMAC "secret" would be public.
/// </summary>
public static class JwtAlgorithms
{
    public const string RS256 = "RS256";
    public const string ES256 = "ES256";

    public static bool IsAccepted(string? alg) => alg is RS256 or ES256;
}

using System.Reflection;
using System.Security.Cryptography;

namespace Vigil.Dashboard;

/// <summary>
/// The dashboard's page, script and style sheet: built from <c>web/</c> by the project's build (npm ci, esbuild) and
/// embedded in the vigil assembly, so a published binary carries its dashboard. Served with an ETag and the security
/// headers of <see cref="Headers"/>.
/// </summary>
public sealed class DashboardAssets
{
    private const string Prefix = "dashboard/";

    private readonly Dictionary<string, Asset> _assets = [];

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var bytes = buffer.ToArray();
            var file = name[Prefix.Length..];
            _assets[file] = new Asset(bytes, ContentType(file), $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..32]}\"");
        }
    }

    /// <summary>
    /// The page's Content-Security-Policy: scripts, styles and connections from this origin only, nothing inline, no
    /// framing, no plugins.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

    public sealed record Asset(byte[] Bytes, string ContentType, string ETag);

    /// <summary>The built files, by name (<c>index.html</c>, <c>app.js</c>, <c>app.css</c>).</summary>
    public IReadOnlyCollection<string> Files => _assets.Keys;

    public Asset? Find(string file) => _assets.GetValueOrDefault(file);

    /// <summary>Answers <paramref name="file"/> (304 when the browser holds the same version).</summary>
    public IResult Serve(HttpContext http, string file)
    {
        if (Find(file) is not { } asset)
        {
            return Results.Problem(statusCode: 404, title: "Not found",
                detail: "The dashboard was not built into this binary (web/, docs/dashboard.md).");
        }

        Headers(http.Response);
        http.Response.Headers.ETag = asset.ETag;
        http.Response.Headers.CacheControl = "no-cache";
        if (http.Request.Headers.IfNoneMatch == asset.ETag)
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Bytes, asset.ContentType);
    }

    /// <summary>The headers every dashboard answer carries.</summary>
    public static void Headers(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers["Cross-Origin-Opener-Policy"] = "same-origin";
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".map" => "application/json",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };
}

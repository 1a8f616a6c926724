using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Vigil.Dashboard;
using Vigil.Hosting;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Security;

/// <summary>
/// HTTPS with a configured certificate: a self-signed one made here (CertificateRequest), as PEM files and as a
/// password-protected PKCS#12 file, reached by a real HttpClient over TLS that trusts exactly that certificate.
/// HTTPS answers carry HSTS; plain HTTP answers of the same server do not; the dashboard keeps its strict CSP.
/// </summary>
public sealed class HttpsTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "vigil-tls-" + Guid.NewGuid().ToString("N"));
    private readonly X509Certificate2 _certificate;

    public HttpsTests()
    {
        Directory.CreateDirectory(_folder);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        _certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        File.WriteAllText(Path.Combine(_folder, "cert.pem"), _certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder, "key.pem"), key.ExportPkcs8PrivateKeyPem());
        File.WriteAllBytes(Path.Combine(_folder, "cert.pfx"), _certificate.Export(X509ContentType.Pkcs12, "pfx-password"));
    }

    private sealed record Running(WebApplication App, Uri Https, Uri? Http, string AdminKey) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await VigilApp.StopAsync(App);
    }

    /// <summary>Starts Vigil with <paramref name="tls"/> on an https address (and an http one when asked), as <c>vigil serve --tls-cert ...</c> would.</summary>
    private async Task<Running> StartAsync(Dictionary<string, string?> tls, bool alsoHttp = false)
    {
        var dataDir = Path.Combine(_folder, "data");
        tls["urls"] = alsoHttp ? "https://127.0.0.1:0;http://127.0.0.1:0" : "https://127.0.0.1:0";
        // The gRPC listener runs too (a free port), as in vigil serve: it makes the urls addresses bound in code, which
        // must still get the certificate.
        var app = VigilApp.Build(["--Vigil:DataDir", dataDir, "--Vigil:Hl7:Port", "0", "--Vigil:Grpc:Port", "0"], settings: tls);
        await VigilApp.StartAsync(app, Http.Ct);
        var grpcPort = app.Services.GetRequiredService<Vigil.Grpc.GrpcListener>().Port;
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses
            .Select(a => new Uri(a)).Where(a => a.Port != grpcPort).ToList();
        var key = (await File.ReadAllTextAsync(Path.Combine(dataDir, BootstrapAdminKey.FileName), Http.Ct)).Trim();
        return new Running(app, addresses.Single(a => a.Scheme == "https"), addresses.SingleOrDefault(a => a.Scheme == "http"), key);
    }

    /// <summary>A client that trusts this test's certificate and nothing else, and records what it was shown.</summary>
    private HttpClient TrustingClient(Uri address, out Func<X509Certificate2?> presented)
    {
        X509Certificate2? seen = null;
        presented = () => seen;
        var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                seen = certificate is null ? null : new X509Certificate2(certificate);
                return certificate?.Thumbprint == _certificate.Thumbprint;
            },
        };
        return new HttpClient(handler) { BaseAddress = address };
    }

    [Fact]
    public async Task With_a_pem_certificate_vigil_answers_over_tls_with_hsts_and_plain_http_answers_carry_none()
    {
        await using var vigil = await StartAsync(new()
        {
            ["Vigil:Tls:CertificatePath"] = Path.Combine(_folder, "cert.pem"),
            ["Vigil:Tls:KeyPath"] = Path.Combine(_folder, "key.pem"),
        }, alsoHttp: true);
        using var client = TrustingClient(vigil.Https, out var presented);
        client.DefaultRequestHeaders.Add("X-Api-Key", vigil.AdminKey);

        var response = await client.Get("/api/v1/customers");

        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        presented()!.Thumbprint.ShouldBe(_certificate.Thumbprint);
        response.Headers.GetValues("Strict-Transport-Security").ShouldBe(["max-age=31536000; includeSubDomains"]);
        using var plain = new HttpClient { BaseAddress = vigil.Http };
        var overHttp = await plain.Get("/health/live");
        overHttp.StatusCode.ShouldBe(HttpStatusCode.OK);
        overHttp.Headers.Contains("Strict-Transport-Security").ShouldBeFalse();
    }

    [Fact]
    public async Task With_a_pkcs12_certificate_the_dashboard_is_served_over_tls_with_hsts_and_its_strict_csp()
    {
        await using var vigil = await StartAsync(new()
        {
            ["Vigil:Tls:CertificatePath"] = Path.Combine(_folder, "cert.pfx"),
            ["Vigil:Tls:Password"] = "pfx-password",
        });
        using var client = TrustingClient(vigil.Https, out var presented);

        var page = await client.Get("/");

        page.StatusCode.ShouldBe(HttpStatusCode.OK);
        presented()!.Thumbprint.ShouldBe(_certificate.Thumbprint);
        page.Headers.GetValues("Strict-Transport-Security").ShouldHaveSingleItem().ShouldStartWith("max-age=31536000");
        var csp = page.Headers.GetValues("Content-Security-Policy").ShouldHaveSingleItem();
        csp.ShouldBe(DashboardAssets.ContentSecurityPolicy);
        foreach (var directive in new[] { "default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'" })
        {
            csp.ShouldContain(directive);
        }

        csp.ShouldNotContain("unsafe-inline");
        csp.ShouldNotContain("unsafe-eval");
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_certificate_cannot_connect()
    {
        await using var vigil = await StartAsync(new()
        {
            ["Vigil:Tls:CertificatePath"] = Path.Combine(_folder, "cert.pem"),
            ["Vigil:Tls:KeyPath"] = Path.Combine(_folder, "key.pem"),
        });
        using var strict = new HttpClient { BaseAddress = vigil.Https };

        await Should.ThrowAsync<HttpRequestException>(() => strict.GetAsync("/health/live", Http.Ct));
    }

    [Theory]
    [InlineData("wrong password")]
    [InlineData("missing file")]
    [InlineData("pem without key")]
    public void A_certificate_that_cannot_be_loaded_stops_the_start_with_a_message(string what)
    {
        var settings = what switch
        {
            "wrong password" => new Dictionary<string, string?>
            {
                ["Vigil:Tls:CertificatePath"] = Path.Combine(_folder, "cert.pfx"), ["Vigil:Tls:Password"] = "not-it",
            },
            "missing file" => new() { ["Vigil:Tls:CertificatePath"] = Path.Combine(_folder, "nothing.pem"), ["Vigil:Tls:KeyPath"] = Path.Combine(_folder, "key.pem") },
            _ => new() { ["Vigil:Tls:CertificatePath"] = Path.Combine(_folder, "cert.pem") },
        };
        settings["urls"] = "https://127.0.0.1:0";

        var error = Should.Throw<StartupException>(() => VigilApp.Build(["--Vigil:DataDir", Path.Combine(_folder, "data")], settings: settings));

        error.Message.ShouldContain("--tls-cert");
    }

    public void Dispose()
    {
        _certificate.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Cleaned with the rest of the temp directory.
        }
    }
}

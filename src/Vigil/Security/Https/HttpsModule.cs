using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Vigil.Hosting;

namespace Vigil.Security.Https;

/// <summary>
/// Serves HTTPS with the configured certificate (<see cref="HttpsOptions"/>), loaded once at start so a wrong path or
/// password stops Vigil with a clear message, and adds <c>Strict-Transport-Security</c> (RFC 6797) to every answer
/// sent over HTTPS. Plain HTTP answers never carry it: a browser ignores HSTS there, and it would lie about the channel.
/// </summary>
public static class HttpsModule
{
    public static WebApplicationBuilder AddVigilHttps(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(HttpsOptions.Section).Get<HttpsOptions>() ?? new HttpsOptions();
        if (options.HstsMaxAgeDays < 0)
        {
            throw new StartupException("Vigil:Tls:HstsMaxAgeDays cannot be negative");
        }

        builder.Services.AddSingleton(options);
        if (!options.Enabled)
        {
            return builder;
        }

        var certificate = Load(options);
        builder.WebHost.ConfigureKestrel(k => k.ConfigureHttpsDefaults(https => https.ServerCertificate = certificate));
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(HttpsOptions.DefaultUrl);
        }

        return builder;
    }

    /// <summary>HSTS on HTTPS answers, for every host (ASP.NET's own HSTS middleware skips localhost).</summary>
    public static WebApplication UseVigilHttps(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<HttpsOptions>();
        if (options.HstsMaxAgeDays == 0)
        {
            return app;
        }

        var value = $"max-age={(long)TimeSpan.FromDays(options.HstsMaxAgeDays).TotalSeconds}; includeSubDomains";
        app.Use((http, next) =>
        {
            if (http.Request.IsHttps)
            {
                http.Response.Headers.StrictTransportSecurity = value;
            }

            return next(http);
        });
        return app;
    }

    private static X509Certificate2 Load(HttpsOptions options)
    {
        try
        {
            var certificate = options.KeyPath is { Length: > 0 } key
                ? options.Password is { Length: > 0 } password
                    ? X509Certificate2.CreateFromEncryptedPemFile(options.CertificatePath!, password, key)
                    : X509Certificate2.CreateFromPemFile(options.CertificatePath!, key)
                : X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath!, options.Password);
            if (!certificate.HasPrivateKey)
            {
                throw new StartupException($"the TLS certificate {options.CertificatePath} has no private key: give --tls-key (PEM) or a PKCS#12 file with its key");
            }

            return certificate;
        }
        catch (Exception e) when (e is IOException or CryptographicException or UnauthorizedAccessException or ArgumentException)
        {
            throw new StartupException($"the TLS certificate {options.CertificatePath} (--tls-cert, Vigil:Tls:CertificatePath) cannot be loaded: {e.Message}");
        }
    }
}

using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Vigil.Hosting;
using Vigil.Security;

namespace Vigil.Grpc;

/// <summary>
/// The gRPC services of <c>proto/vigil/v1</c> on their own HTTP/2 listener (<see cref="GrpcOptions"/>): the ingest role
/// serves <c>IngestService</c>, the api role <c>QueryService</c> and <c>AlertService</c>. The API key travels as
/// metadata <c>x-api-key</c> and is checked by the same authentication and policies as the HTTP API.
/// </summary>
public static class GrpcModule
{
    private static bool Serves(Deployment deployment) => deployment.Runs(Module.IngestEndpoints) || deployment.Runs(Module.ApiEndpoints);

    /// <summary>Adds the listener beside the HTTP addresses of <c>urls</c> (<see cref="KestrelUrls"/>).</summary>
    public static WebApplicationBuilder AddVigilGrpc(this WebApplicationBuilder builder, Deployment deployment)
    {
        builder.Services.AddOptions<GrpcOptions>().BindConfiguration(GrpcOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var listener = new GrpcListener();
        builder.Services.AddSingleton(listener);
        var options = builder.Configuration.GetSection(GrpcOptions.Section).Get<GrpcOptions>() ?? new GrpcOptions();
        if (!options.Enabled || !Serves(deployment))
        {
            return builder;
        }

        builder.Services.AddSingleton<IngestService>();
        builder.Services.AddSingleton<QueryService>();
        builder.Services.AddSingleton<AlertService>();
        var certificate = LoadCertificate(options);
        KestrelUrls.Keep(builder);
        builder.WebHost.ConfigureKestrel(k =>
        {
            KestrelUrls.Listen(k, BindingAddress.Parse($"http://{options.Host}:{options.Port}"), o =>
            {
                o.Protocols = HttpProtocols.Http2;
                if (certificate is not null)
                {
                    o.UseHttps(certificate);
                }

                listener.Options = o;
            });
        });
        return builder;
    }

    private static X509Certificate2? LoadCertificate(GrpcOptions options)
    {
        if (string.IsNullOrEmpty(options.CertificatePath))
        {
            return null;
        }

        try
        {
            return options.CertificateKeyPath is { Length: > 0 } key
                ? X509Certificate2.CreateFromPemFile(options.CertificatePath, key)
                : X509CertificateLoader.LoadPkcs12FromFile(options.CertificatePath, options.CertificatePassword);
        }
        catch (Exception e) when (e is IOException or System.Security.Cryptography.CryptographicException or UnauthorizedAccessException)
        {
            throw new StartupException($"the gRPC certificate {options.CertificatePath} (Vigil:Grpc:CertificatePath) cannot be loaded: {e.Message}");
        }
    }

    /// <summary>Maps each method as POST /package.Service/Method; anything else sent as gRPC is UNIMPLEMENTED.</summary>
    public static WebApplication MapVigilGrpc(this WebApplication app, Deployment deployment)
    {
        if (app.Services.GetRequiredService<GrpcListener>() is not { Options: not null })
        {
            return app;
        }

        var max = app.Services.GetRequiredService<IOptions<VigilOptions>>().Value.MaxBodyBytes;
        var perStream = app.Services.GetRequiredService<IOptions<GrpcOptions>>().Value.MessagesPerSecondPerStream;
        void Map<TService>(string path, string policy, Func<TService, GrpcCall, Task> method) where TService : notnull =>
            app.MapPost(path, (HttpContext http, TService service) => GrpcCall.RunAsync(http, policy, max, call => method(service, call), perStream))
                .AllowAnonymous().WithMetadata(new AccessPolicy(policy)).ExcludeFromDescription();

        if (deployment.Runs(Module.IngestEndpoints))
        {
            Map<IngestService>("/vigil.v1.IngestService/IngestBatch", Access.Ingest, static (s, c) => s.IngestBatchAsync(c));
            Map<IngestService>("/vigil.v1.IngestService/Ingest", Access.Ingest, static (s, c) => s.IngestAsync(c));
        }

        if (deployment.Runs(Module.ApiEndpoints))
        {
            Map<QueryService>("/vigil.v1.QueryService/GetLatestVitals", Access.Read, static (s, c) => s.GetLatestVitalsAsync(c));
            Map<QueryService>("/vigil.v1.QueryService/GetAggregates", Access.Read, static (s, c) => s.GetAggregatesAsync(c));
            Map<QueryService>("/vigil.v1.QueryService/GetNews2", Access.Read, static (s, c) => s.GetNews2Async(c));
            Map<AlertService>("/vigil.v1.AlertService/Watch", Access.Read, static (s, c) => s.WatchAsync(c));
        }

        app.Use((http, next) =>
            http.GetEndpoint() is null && http.Request.Protocol == HttpProtocol.Http2 && http.Request.ContentType?.StartsWith("application/grpc", StringComparison.Ordinal) == true
                ? GrpcCall.RunAsync(http, null, max, _ => throw new GrpcException(GrpcStatusCode.Unimplemented, $"{http.Request.Path} is not a method Vigil serves here"))
                : next(http));
        return app;
    }
}

/// <summary>The gRPC endpoint once Kestrel has bound it: <see cref="Port"/> is the real port when 0 was asked for.</summary>
public sealed class GrpcListener
{
    internal ListenOptions? Options { get; set; }

    public int? Port => (Options?.EndPoint as IPEndPoint)?.Port;
}

using System.Buffers.Binary;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Google.Protobuf;
using Microsoft.AspNetCore.Hosting;
using Vigil.Grpc.V1;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Grpc;

/// <summary>
/// The gRPC-over-HTTP/2 protocol as Vigil serves it, seen on the wire through .NET's own HTTP/2 client: framing,
/// trailers-only errors, grpc-message encoding, server-side deadlines, gzip, limits; then the listener's TLS and the
/// roles that serve each service. Independent of the store, so embedded mode only.
/// </summary>
public sealed class GrpcProtocolTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private VigilServer Server => fixture.Server;

    private static byte[] Frame(IMessage message, bool gzip = false)
    {
        var body = message.ToByteArray();
        if (gzip)
        {
            using var buffer = new MemoryStream();
            using (var zip = new GZipStream(buffer, CompressionLevel.Fastest))
            {
                zip.Write(body);
            }

            body = buffer.ToArray();
        }

        var frame = new byte[5 + body.Length];
        frame[0] = gzip ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)body.Length);
        body.CopyTo(frame, 5);
        return frame;
    }

    private sealed record Answer(HttpResponseMessage Response, List<byte[]> Messages)
    {
        /// <summary>grpc-status from the trailers, or from the headers of a trailers-only answer.</summary>
        public string? Status => Header("grpc-status");

        public string? Message => Header("grpc-message");

        public string? Header(string name) =>
            Response.TrailingHeaders.TryGetValues(name, out var t) ? t.Single()
            : Response.Headers.TryGetValues(name, out var h) ? h.Single() : null;

        public bool TrailersOnly => !Response.TrailingHeaders.Contains("grpc-status") && Response.Headers.Contains("grpc-status");
    }

    private static async Task<Answer> SendAsync(
        string target, string path, byte[] body, string? key, string contentType = "application/grpc", params (string Name, string Value)[] headers)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://{target}{path}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (key is not null)
        {
            request.Headers.Add("x-api-key", key);
        }

        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request, Http.Ct);
        var bytes = await response.Content.ReadAsByteArrayAsync(Http.Ct);
        var messages = new List<byte[]>();
        for (var at = 0; at < bytes.Length;)
        {
            bytes[at].ShouldBe((byte)0, "Vigil sends its messages uncompressed");
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(at + 1));
            messages.Add(bytes[(at + 5)..(at + 5 + length)]);
            at += 5 + length;
        }

        return new Answer(response, messages);
    }

    private async Task<(Tenant Tenant, string Admin, string Device)> TenantAsync(string name)
    {
        var tenant = await Tenant.CreateAsync(Server, name + "-" + Guid.NewGuid().ToString("N")[..6]);
        return (tenant, tenant.Admin.DefaultRequestHeaders.GetValues("X-Api-Key").Single(), tenant.Device.DefaultRequestHeaders.GetValues("X-Api-Key").Single());
    }

    private static ReadingBatch Batch(params (string Id, double Value)[] readings)
    {
        var batch = new ReadingBatch();
        batch.Readings.AddRange(readings.Select(r => new Reading { Id = r.Id, PatientId = "p", Type = "heart_rate", Number = r.Value, ObservedAt = "2026-03-01T10:00:00Z" }));
        return batch;
    }

    [Fact]
    public async Task A_unary_answer_is_one_length_prefixed_message_then_trailers_with_status_0()
    {
        var (tenant, _, device) = await TenantAsync("proto-ok");
        using var _t = tenant;

        var answer = await SendAsync(Server.GrpcTarget!, "/vigil.v1.IngestService/IngestBatch", Frame(Batch(("a", 70), ("b", 71))), device);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        answer.Response.Version.ShouldBe(HttpVersion.Version20);
        answer.Response.Content.Headers.ContentType!.MediaType.ShouldBe("application/grpc");
        answer.Response.TrailingHeaders.GetValues("grpc-status").Single().ShouldBe("0");
        var response = IngestResponse.Parser.ParseFrom(answer.Messages.ShouldHaveSingleItem());
        response.Accepted.ShouldBe(2);
        response.Ids.ShouldBe(["a", "b"]);
    }

    [Fact]
    public async Task An_error_before_any_message_is_a_trailers_only_answer_with_a_percent_encoded_message()
    {
        var (tenant, _, device) = await TenantAsync("proto-err");
        using var _t = tenant;
        var batch = new ReadingBatch();
        batch.Readings.Add(new Reading { PatientId = "p", Type = "fréquence", Number = 1, ObservedAt = "2026-03-01T10:00:00Z" });

        var answer = await SendAsync(Server.GrpcTarget!, "/vigil.v1.IngestService/IngestBatch", Frame(batch), device);

        answer.Response.StatusCode.ShouldBe(HttpStatusCode.OK);
        answer.TrailersOnly.ShouldBeTrue();
        answer.Messages.ShouldBeEmpty();
        answer.Status.ShouldBe("3");
        answer.Message.ShouldBe("readings[0].type 'fr%C3%A9quence' is not a known vital type");
    }

    [Fact]
    public async Task A_gzip_compressed_request_is_read_and_unknown_encodings_and_methods_are_UNIMPLEMENTED()
    {
        var (tenant, admin, device) = await TenantAsync("proto-gzip");
        using var _t = tenant;

        var gzip = await SendAsync(Server.GrpcTarget!, "/vigil.v1.IngestService/IngestBatch", Frame(Batch(("z", 70)), gzip: true), device,
            headers: ("grpc-encoding", "gzip"));
        var snappy = await SendAsync(Server.GrpcTarget!, "/vigil.v1.IngestService/IngestBatch", Frame(Batch(("s", 70))), device,
            headers: ("grpc-encoding", "snappy"));
        var flagWithoutEncoding = await SendAsync(Server.GrpcTarget!, "/vigil.v1.IngestService/IngestBatch", Frame(Batch(("f", 70)), gzip: true), device);
        var unknown = await SendAsync(Server.GrpcTarget!, "/vigil.v1.QueryService/DropTables", Frame(new PatientRequest { PatientId = "p" }), admin);
        var notGrpc = await SendAsync(Server.GrpcTarget!, "/vigil.v1.QueryService/GetNews2", Frame(new PatientRequest { PatientId = "p" }), admin, "application/json");

        gzip.Status.ShouldBe("0");
        IngestResponse.Parser.ParseFrom(gzip.Messages.ShouldHaveSingleItem()).Ids.ShouldBe(["z"]);
        gzip.Response.Headers.GetValues("grpc-accept-encoding").Single().ShouldBe("identity,gzip");
        snappy.Status.ShouldBe("12");
        snappy.Message.ShouldBe("grpc-encoding 'snappy' is not supported; use identity or gzip");
        flagWithoutEncoding.Status.ShouldBe("13");
        unknown.Status.ShouldBe("12");
        notGrpc.Response.StatusCode.ShouldBe(HttpStatusCode.UnsupportedMediaType);
        // Over HTTP/1.1 (the HTTP API's port) there are no trailers to carry a status: 426.
        using var http1 = new HttpClient();
        using var overHttp1 = new ByteArrayContent(Frame(new PatientRequest { PatientId = "p" }));
        overHttp1.Headers.ContentType = MediaTypeHeaderValue.Parse("application/grpc");
        http1.DefaultRequestHeaders.Add("x-api-key", admin);
        (await http1.PostAsync(new Uri(Server.BaseAddress, "/vigil.v1.QueryService/GetNews2"), overHttp1, Http.Ct)).StatusCode.ShouldBe(HttpStatusCode.UpgradeRequired);
        fixture.Database.Count("readings", tenant.Id).ShouldBe(1);
    }

    [Fact]
    public async Task The_server_ends_a_call_at_its_grpc_timeout_with_DEADLINE_EXCEEDED_in_the_trailers()
    {
        var (tenant, admin, _) = await TenantAsync("proto-deadline");
        using var _t = tenant;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var answer = await SendAsync(Server.GrpcTarget!, "/vigil.v1.AlertService/Watch", Frame(new WatchRequest()), admin, headers: ("grpc-timeout", "300m"));

        clock.Elapsed.ShouldBeGreaterThanOrEqualTo(TimeSpan.FromMilliseconds(250));
        answer.Response.TrailingHeaders.GetValues("grpc-status").Single().ShouldBe("4");
        answer.Message.ShouldBe("the deadline passed before the call finished");
        answer.Messages.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_message_that_is_not_protobuf_ends_a_stream_after_committing_what_came_before_it()
    {
        var (tenant, _, device) = await TenantAsync("proto-garbage");
        using var _t = tenant;
        var good = Frame(new IngestMessage { Batch = Batch(("g1", 70), ("g2", 71), ("g3", 72)) });
        byte[] garbage = [0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF];

        var answer = await SendAsync(Server.GrpcTarget!, "/vigil.v1.IngestService/Ingest", [.. good, .. garbage], device);

        answer.Status.ShouldBe("3");
        Uri.UnescapeDataString(answer.Message!).ShouldStartWith("the message starting at reading 3 of the stream is not valid protobuf");
        answer.Header("vigil-committed").ShouldBe("3");
        fixture.Database.Count("readings", tenant.Id).ShouldBe(3);
    }

    [Fact]
    public async Task A_batch_over_the_item_limit_is_RESOURCE_EXHAUSTED_and_stores_nothing()
    {
        var (tenant, _, device) = await TenantAsync("proto-limit");
        using var _t = tenant;

        var answer = await SendAsync(Server.GrpcTarget!, "/vigil.v1.IngestService/IngestBatch",
            Frame(Batch([.. Enumerable.Range(0, 10_001).Select(i => ($"r{i}", 70.0))])), device);

        answer.Status.ShouldBe("8");
        answer.Message.ShouldBe("10001 readings in one message is over the limit of 10000 (Vigil:MaxBatchItems)");
        fixture.Database.Count("readings", tenant.Id).ShouldBe(0);
    }

    [Fact]
    public async Task A_client_stream_is_not_bound_by_the_servers_limit_on_a_whole_request_body()
    {
        PythonGrpc.Require();
        await using var store = await fixture.CreateStoreAsync();
        // 64 KiB for a whole HTTP body; the stream below carries about 1 MB.
        await using var server = await store.StartAsync(b => b.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64 * 1024));
        var tenant = await Tenant.CreateAsync(server, "limits-" + Guid.NewGuid().ToString("N")[..6]);
        using var _t = tenant;
        var device = tenant.Device.DefaultRequestHeaders.GetValues("X-Api-Key").Single();

        var result = (await PythonGrpc.RunAsync(server.GrpcTarget!, device, "stream", "--patient", "p", "--count", "15000", "--per-message", "1")).Response();

        result.Int("accepted").ShouldBe(15_000);
        store.Database.Count("readings", tenant.Id).ShouldBe(15_000);
    }

    [Fact]
    public async Task With_a_certificate_the_listener_speaks_TLS_to_the_python_client()
    {
        PythonGrpc.Require();
        var dir = Directory.CreateTempSubdirectory("vigil-tls-").FullName;
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        await File.WriteAllTextAsync(Path.Combine(dir, "cert.pem"), certificate.ExportCertificatePem(), Http.Ct);
        await File.WriteAllTextAsync(Path.Combine(dir, "key.pem"), rsa.ExportPkcs8PrivateKeyPem(), Http.Ct);
        await using var store = await fixture.CreateStoreAsync();
        await using var server = await VigilServer.StartAsync(store.DataDir, settings: new Dictionary<string, string?>
        {
            ["Vigil:Grpc:CertificatePath"] = Path.Combine(dir, "cert.pem"),
            ["Vigil:Grpc:CertificateKeyPath"] = Path.Combine(dir, "key.pem"),
        });
        var tenant = await Tenant.CreateAsync(server, "tls-" + Guid.NewGuid().ToString("N")[..6]);
        using var _t = tenant;
        var admin = tenant.Admin.DefaultRequestHeaders.GetValues("X-Api-Key").Single();

        using var secure = PythonGrpc.Start(server.GrpcTarget!, admin, Path.Combine(dir, "cert.pem"),
            ["call", "/vigil.v1.QueryService/GetNews2", "--request", """{"patient_id":"p"}"""]);
        var overTls = await PythonGrpc.ResultAsync(secure);
        var plaintext = await PythonGrpc.CallAsync(server.GrpcTarget!, admin, "/vigil.v1.QueryService/GetNews2", new { patient_id = "p" }, timeoutSeconds: 5);

        overTls.Response().GetProperty("risk").GetString().ShouldBe("low");
        plaintext.Code().ShouldBe("UNAVAILABLE");
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public async Task Each_role_serves_its_own_services_and_a_role_with_none_opens_no_listener()
    {
        PythonGrpc.Require();
        await using var store = await fixture.CreateStoreAsync();
        await using (var ingest = await VigilServer.StartAsync(store.DataDir, settings: new Dictionary<string, string?> { ["Vigil:Roles"] = "ingest" }))
        {
            var batch = await PythonGrpc.CallAsync(ingest.GrpcTarget!, ingest.AdminKey, "/vigil.v1.IngestService/IngestBatch", new { readings = Array.Empty<object>() });
            var query = await PythonGrpc.CallAsync(ingest.GrpcTarget!, ingest.AdminKey, "/vigil.v1.QueryService/GetNews2", new { patient_id = "p" });

            // The system key may not ingest: the method is there. The query service is not.
            batch.Code().ShouldBe("PERMISSION_DENIED");
            query.Code().ShouldBe("UNIMPLEMENTED");
        }

        await using var enrich = await VigilServer.StartAsync(store.DataDir, settings: new Dictionary<string, string?> { ["Vigil:Roles"] = "enrich" });
        enrich.GrpcTarget.ShouldBeNull();
    }
}

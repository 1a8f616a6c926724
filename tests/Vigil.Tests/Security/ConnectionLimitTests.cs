using System.Diagnostics;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Vigil.Tests.Grpc;
using Vigil.Tests.Hl7;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Security;

/// <summary>
/// A server with small message limits: 2 HL7 messages per connection and 3 per address per 30 s, 50 messages per
/// second on a gRPC stream, and the API's 10 requests per key per 5 minutes (gRPC calls count against it too; each
/// call of the Python client is a process start, so a short window could refill between them).
/// </summary>
public sealed class ConnectionLimitServerFixture : ServerFixture
{
    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vigil:Hl7:MaxMessagesPerConnection"] = "2",
            ["Vigil:Hl7:MaxMessagesPerAddress"] = "3",
            ["Vigil:Hl7:RateWindow"] = "00:00:30",
            ["Vigil:Grpc:MessagesPerSecondPerStream"] = "50",
            ["Vigil:RateLimits:PerKey:Burst"] = "10",
            ["Vigil:RateLimits:PerKey:TokensPerPeriod"] = "10",
            ["Vigil:RateLimits:PerKey:Period"] = "00:05:00",
        });
}

/// <summary>
/// Limits of the long-lived interfaces on a real server, with real peers: an MLLP client over TCP, and Debian's
/// python3-grpcio for gRPC. The limits live in the process, so one mode shows them.
/// </summary>
public sealed class ConnectionLimitTests(ConnectionLimitServerFixture fixture) : IClassFixture<ConnectionLimitServerFixture>
{
    private VigilServer Server => fixture.Server;

    private static string Message(string controlId) => string.Join('\r',
        $"MSH|^~\\&|MON-limits|ICU|VIGIL|HOSP|20260301100000+0100||ORU^R01^ORU_R01|{controlId}|P|2.6",
        "PID|||MRN-L^^^HOSP^MR||Doe^John",
        "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||20260301095800+0100") + "\r";

    [Fact]
    public async Task HL7_messages_over_the_connection_or_address_limit_are_answered_AR_stored_nowhere_and_taken_again_after_the_window()
    {
        using var tenant = await Tenant.CreateAsync(Server, "limits-hl7");
        await (await tenant.Admin.PutJsonAsync("/api/v1/hl7/senders",
            new { senders = new[] { new { application = "MON-limits", facility = "ICU", addresses = new[] { "127.0.0.1" } } } })).ShouldBeAsync(HttpStatusCode.OK);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p2", name = "Mo", mrn = "MRN-L" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        await using var first = await MllpClient.ConnectAsync(Server.Hl7Port);
        (await first.SendAsync(Message("L-1"))).Code.ShouldBe("AA");
        (await first.SendAsync(Message("L-2"))).Code.ShouldBe("AA");
        var refused = await first.SendAsync(Message("L-3"));
        refused.Code.ShouldBe("AR", refused.ToString());
        refused.Field("MSA", 2).ShouldBe("L-3");
        refused.Field("MSA", 3).ShouldStartWith("rate limit: more than 2 messages in 30 s on this connection");
        var refusedAt = Stopwatch.StartNew();

        // The connection's refusal took nothing from the address: a second connection gets its one remaining message.
        await using var second = await MllpClient.ConnectAsync(Server.Hl7Port);
        (await second.SendAsync(Message("L-4"))).Code.ShouldBe("AA");
        var held = await second.SendAsync(Message("L-5"));
        held.Code.ShouldBe("AR");
        held.Field("MSA", 3).ShouldStartWith("rate limit: more than 3 messages in 30 s from 127.0.0.1");

        fixture.Database.Count("readings", "limits-hl7").ShouldBe(3, "L-1, L-2 and L-4 stored; the refused ones not");

        // The connection stays open and is served again once the window has passed (polled with a deadline).
        Ack again;
        do
        {
            await Task.Delay(200, Http.Ct);
            again = await first.SendAsync(Message("L-3"));
        }
        while (again.Code == "AR" && refusedAt.Elapsed < TimeSpan.FromSeconds(35));

        again.Code.ShouldBe("AA", again.ToString());
        fixture.Database.Count("readings", "limits-hl7").ShouldBe(4);
    }

    [Fact]
    public async Task A_gRPC_stream_faster_than_its_message_limit_ends_with_RESOURCE_EXHAUSTED_saying_what_is_committed_and_is_audited()
    {
        PythonGrpc.Require();
        using var tenant = await Tenant.CreateAsync(Server, "limits-grpc");
        var device = tenant.Device.DefaultRequestHeaders.GetValues("X-Api-Key").Single();

        var result = await PythonGrpc.RunAsync(Server.GrpcTarget!, device, "stream", "--patient", "p", "--count", "2000", "--per-message", "1");

        result.Code().ShouldBe("RESOURCE_EXHAUSTED", result.ToString());
        result.Details().ShouldContain("more than 50 messages per second on this stream");
        result.Details().ShouldContain("readings of the stream are committed: resume from reading");
        var audit = await (await tenant.Admin.Get("/api/v1/audit?action=create")).ShouldBeAsync(HttpStatusCode.OK);
        var entry = audit.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("interface").GetString() == "grpc");
        (entry.GetProperty("route").GetString(), entry.GetProperty("actorRole").GetString(), entry.GetProperty("outcome").GetString(),
                entry.GetProperty("remoteAddress").GetString())
            .ShouldBe(("/vigil.v1.IngestService/Ingest", "device", "RESOURCE_EXHAUSTED", "127.0.0.1"));
    }

    [Fact]
    public async Task gRPC_calls_over_the_keys_request_limit_get_RESOURCE_EXHAUSTED()
    {
        PythonGrpc.Require();
        using var tenant = await Tenant.CreateAsync(Server, "limits-grpc-key");
        var viewer = await Server.CreateKeyAsync("limits-grpc-key", "viewer");
        for (var i = 0; i < 10; i++)
        {
            (await PythonGrpc.CallAsync(Server.GrpcTarget!, viewer, "/vigil.v1.QueryService/GetNews2", new { patient_id = "p" })).Code().ShouldBe("OK");
        }

        var refused = await PythonGrpc.CallAsync(Server.GrpcTarget!, viewer, "/vigil.v1.QueryService/GetNews2", new { patient_id = "p" });
        refused.Code().ShouldBe("RESOURCE_EXHAUSTED", refused.ToString());
        refused.Details().ShouldContain("rate limit");
    }
}

using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Hl7;

/// <summary>A server whose HL7 listener has small limits: 64 KiB messages, 1 s idle timeout, 4 connections.</summary>
public sealed class Hl7LimitsFixture : ServerFixture
{
    public const int MaxMessageBytes = 64 * 1024;
    public const int MaxConnections = 4;
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(1);

    protected override void Configure(WebApplicationBuilder builder) =>
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Vigil:Hl7:MaxMessageBytes"] = MaxMessageBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Vigil:Hl7:IdleTimeout"] = IdleTimeout.ToString(),
            ["Vigil:Hl7:MaxConnections"] = MaxConnections.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
}

/// <summary>
/// The MLLP transport: what it does with bytes outside frames, frames without MSH, oversized frames, idle (half-open)
/// connections and too many connections, while other connections keep being served.
/// </summary>
public sealed class Hl7ListenerTests(Hl7LimitsFixture fixture) : IClassFixture<Hl7LimitsFixture>
{
    private VigilServer Server => fixture.Server;

    private async Task<string> TenantAsync(string id)
    {
        using var tenant = await Tenant.CreateAsync(Server, id);
        await (await tenant.Admin.PutJsonAsync("/api/v1/hl7/senders",
            new { senders = new[] { new { application = $"MON-{id}", facility = "", addresses = new[] { "127.0.0.0/8" } } } })).ShouldBeAsync(HttpStatusCode.OK);
        return id;
    }

    /// <summary>Until the listener has noticed that earlier tests' connections are gone (bounded).</summary>
    private async Task ConnectionsClosedAsync()
    {
        var listener = (Vigil.Hl7.Hl7Listener)Server.Services.GetService(typeof(Vigil.Hl7.Hl7Listener))!;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (listener.ActiveConnections > 0)
        {
            await Task.Delay(10, deadline.Token);
        }
    }

    private static string Oru(string tenant, string controlId, int heartRate = 70) =>
        $"MSH|^~\\&|MON-{tenant}||||20260301100000+0100||ORU^R01|{controlId}|P|2.5\rPID|||p\r" +
        $"OBX|1|NM|8867-4^Heart rate^LN||{heartRate}|/min|||||F|||20260301095800+0100\r";

    private static byte[] Frame(string message) => [0x0B, .. Encoding.UTF8.GetBytes(message), 0x1C, 0x0D];

    [Fact]
    public async Task Bytes_outside_frames_are_discarded_and_frames_sent_together_are_answered_in_order()
    {
        var tenant = await TenantAsync("mllp-garbage");
        await using var client = await MllpClient.ConnectAsync(Server.Hl7Port);

        // Noise, a frame, noise with a stray end block and a CR, and a second frame, all in one write.
        await client.WriteRawAsync([.. "GET / HTTP/1.1\r\n\r\n"u8.ToArray(), .. Frame(Oru(tenant, "G-1")), 0x00, 0x1C, 0x0D, 0xFF, .. Frame(Oru(tenant, "G-2", 71))]);

        var first = await client.ReceiveAsync();
        var second = await client.ReceiveAsync();
        (first!.Code, first.Field("MSA", 2)).ShouldBe(("AA", "G-1"), first.ToString());
        (second!.Code, second.Field("MSA", 2)).ShouldBe(("AA", "G-2"), second.ToString());
        fixture.Database.Count("readings", tenant).ShouldBe(2);
    }

    [Fact]
    public async Task A_frame_without_an_MSH_is_answered_AR_and_the_connection_keeps_serving()
    {
        var tenant = await TenantAsync("mllp-nomsh");
        await using var client = await MllpClient.ConnectAsync(Server.Hl7Port);

        var refused = await client.SendAsync("PID|||p\rOBX|1|NM|8867-4^^LN||70|/min\r");
        var accepted = await client.SendAsync(Oru(tenant, "N-1"));

        refused.Code.ShouldBe("AR");
        refused.Field("MSA", 2).ShouldBe("");
        refused.Errors.Single()[3].ShouldStartWith("100^");
        accepted.Code.ShouldBe("AA");
    }

    [Fact]
    public async Task An_oversized_frame_is_answered_AR_and_its_connection_closed_while_another_connection_is_served()
    {
        var tenant = await TenantAsync("mllp-big");
        await using var big = await MllpClient.ConnectAsync(Server.Hl7Port);
        await using var other = await MllpClient.ConnectAsync(Server.Hl7Port);
        var padding = "NTE|1||" + new string('x', 4 * Hl7LimitsFixture.MaxMessageBytes) + "\r";

        // The frame's end never needs to arrive: the listener answers once the limit is passed.
        var send = big.WriteRawAsync([0x0B, .. Encoding.UTF8.GetBytes(Oru(tenant, "BIG-1") + padding)]);
        var ack = await big.ReceiveAsync();
        await send;

        ack.ShouldNotBeNull();
        ack.Code.ShouldBe("AR");
        ack.Field("MSA", 2).ShouldBe("BIG-1");
        ack.Field("MSA", 3).ShouldContain($"longer than {Hl7LimitsFixture.MaxMessageBytes} bytes");
        (await other.SendAsync(Oru(tenant, "SMALL-1"))).Code.ShouldBe("AA");
        (await big.ClosedByServerAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
        fixture.Database.Count("readings", tenant).ShouldBe(1);
    }

    [Fact]
    public async Task A_half_open_connection_is_closed_after_the_idle_timeout_and_nothing_of_its_partial_frame_is_stored()
    {
        var tenant = await TenantAsync("mllp-idle");
        await using var stalled = await MllpClient.ConnectAsync(Server.Hl7Port);
        await stalled.WriteRawAsync([0x0B, .. Encoding.UTF8.GetBytes(Oru(tenant, "I-1"))]);
        var started = DateTimeOffset.UtcNow;

        await using (var other = await MllpClient.ConnectAsync(Server.Hl7Port))
        {
            (await other.SendAsync(Oru(tenant, "I-2"))).Code.ShouldBe("AA");
        }

        (await stalled.ClosedByServerAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
        (DateTimeOffset.UtcNow - started).ShouldBeGreaterThanOrEqualTo(Hl7LimitsFixture.IdleTimeout - TimeSpan.FromMilliseconds(100));
        fixture.Database.Count("readings", tenant).ShouldBe(1);
    }

    [Fact]
    public async Task Connections_past_the_maximum_are_closed_at_once_and_the_open_ones_keep_being_served()
    {
        var tenant = await TenantAsync("mllp-many");
        await ConnectionsClosedAsync();
        var open = new List<MllpClient>();
        try
        {
            for (var i = 0; i < Hl7LimitsFixture.MaxConnections; i++)
            {
                var client = await MllpClient.ConnectAsync(Server.Hl7Port);
                open.Add(client);
                // Answered, so the listener has counted it before the next one connects.
                (await client.SendAsync(Oru(tenant, $"M-{i}"))).Code.ShouldBe("AA");
            }

            await using var extra = await MllpClient.ConnectAsync(Server.Hl7Port);
            (await extra.ClosedByServerAsync(TimeSpan.FromSeconds(30))).ShouldBeTrue();
            (await open[0].SendAsync(Oru(tenant, "M-again"))).Code.ShouldBe("AA");
        }
        finally
        {
            foreach (var client in open)
            {
                await client.DisposeAsync();
            }
        }
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Hl7;

/// <summary>
/// HL7 v2 ORU^R01 over MLLP into the readings pipeline: what is stored, the ACK (AA once durable, AE for content
/// errors with ERR, AR for what is not taken), idempotency by MSH-10, and the sender allow-list, in both modes.
/// </summary>
public abstract class Hl7IngestTests(ServerFixture fixture)
{
    private const string Header = "MSH|^~\\&|{0}|ICU|VIGIL|HOSP|20260301100000+0100||ORU^R01^ORU_R01|{1}|P|2.6";

    private VigilServer Server => fixture.Server;

    private VigilDatabase Db => fixture.Database;

    /// <summary>A customer with patient "p" (no MRN), patient "p2" with MRN "MRN-1", and sender MON-{id}/ICU allowed from 127.0.0.1.</summary>
    private async Task<Tenant> TenantAsync(string id)
    {
        var tenant = await Tenant.CreateAsync(Server, id);
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p2", name = "Mo", mrn = "MRN-1" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        await (await tenant.Admin.PutJsonAsync("/api/v1/hl7/senders",
            new { senders = new[] { new { application = $"MON-{id}", facility = "ICU", addresses = new[] { "127.0.0.1" } } } })).ShouldBeAsync(HttpStatusCode.OK);
        return tenant;
    }

    private static string Message(string tenant, string controlId, params string[] segments) =>
        string.Join('\r', [string.Format(CultureInfo.InvariantCulture, Header, $"MON-{tenant}", controlId), .. segments]) + "\r";

    private async Task<Ack> SendAsync(string message)
    {
        await using var client = await MllpClient.ConnectAsync(Server.Hl7Port);
        return await client.SendAsync(message);
    }

    private static async Task<List<JsonElement>> ReadingsAsync(Tenant tenant, string patient)
    {
        var page = await (await tenant.Admin.Get($"/api/v1/patients/{patient}/readings")).ShouldBeAsync(HttpStatusCode.OK);
        return [.. page.GetProperty("items").EnumerateArray()];
    }

    [Fact]
    public async Task An_ORU_R01_from_an_allowed_sender_is_acknowledged_AA_once_its_vitals_are_stored_with_codes_and_units_converted()
    {
        using var tenant = await TenantAsync("hl7-oru");
        var message = Message("hl7-oru", "MSG-1",
            "PID|||MRN-1^^^HOSP^MR||Doe^John",
            "OBR|1|||69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC|||20260301095900+0100",
            "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.1.1|72|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||F|||20260301095800+0100",
            "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.3.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||F|||20260301095800+0100",
            "OBX|3|NM|151562^MDC_RESP_RATE^MDC||18|264928^MDC_DIM_RESP_PER_MIN^MDC|||||F",
            "OBX|4|NM|150344^MDC_TEMP^MDC||98.6|266560^MDC_DIM_FAHR^MDC|||||F|||20260301095800+0100",
            "OBX|5|NM|150021^MDC_PRESS_BLD_NONINV_SYS^MDC||16|kPa|||||F|||20260301095800+0100",
            "OBX|6|NM|8462-4^Diastolic blood pressure^LN||80|mm[Hg]|||||F|||20260301095800+0100",
            "OBX|7|ST|184327^MDC_ECG_STAT_RHY^MDC||Sinus||||||F",
            "OBX|8|NM|160324^MDC_SPO2_SIGNAL_QUALITY_INDEX^MDC||3.5|262688^MDC_DIM_PERCENT^MDC|||||F",
            "OBX|9|NM|149530^MDC_PULS_OXIM_PULS_RATE^MDC||0|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||X");

        var ack = await SendAsync(message);

        ack.Code.ShouldBe("AA", ack.ToString());
        ack.Field("MSA", 2).ShouldBe("MSG-1");
        ack.Field("MSA", 3).ShouldBe("6 stored, 0 already stored, 3 skipped");
        (ack.Field("MSH", 3), ack.Field("MSH", 4), ack.Field("MSH", 5), ack.Field("MSH", 6)).ShouldBe(("VIGIL", "HOSP", "MON-hl7-oru", "ICU"));
        (ack.Field("MSH", 9), ack.Field("MSH", 11), ack.Field("MSH", 12)).ShouldBe(("ACK^R01^ACK", "P", "2.6"));
        ack.Field("MSH", 10).ShouldNotBeNullOrEmpty();
        ack.Errors.ShouldBeEmpty();

        var items = (await ReadingsAsync(tenant, "p2")).ToDictionary(r => r.GetProperty("type").GetString()!);
        items.Keys.ShouldBe(["heart_rate", "spo2", "respiratory_rate", "temperature", "systolic_bp", "diastolic_bp"], ignoreOrder: true);
        items["heart_rate"].GetProperty("value").GetDouble().ShouldBe(72);
        items["spo2"].GetProperty("value").GetDouble().ShouldBe(97);
        items["temperature"].GetProperty("value").GetDouble().ShouldBe(37.0, 0.001);
        items["temperature"].GetProperty("unit").GetString().ShouldBe("Cel");
        items["systolic_bp"].GetProperty("value").GetDouble().ShouldBe(120.0, 0.02);
        items["diastolic_bp"].GetProperty("unit").GetString().ShouldBe("mm[Hg]");
        items["heart_rate"].GetProperty("observedAt").GetDateTimeOffset().ShouldBe(DateTimeOffset.Parse("2026-03-01T08:58:00Z", CultureInfo.InvariantCulture));
        // No OBX-14: the time of its OBR (OBR-7).
        items["respiratory_rate"].GetProperty("observedAt").GetDateTimeOffset().ShouldBe(DateTimeOffset.Parse("2026-03-01T08:59:00Z", CultureInfo.InvariantCulture));
        items["heart_rate"].GetProperty("id").GetString().ShouldBe("hl7:MON-hl7-oru:ICU:MSG-1:1");
        var raw = Db.Log("readings.raw", "hl7-oru/p2");
        raw.Select(m => m.Body.GetProperty("id").GetString()).ShouldBe(items.Values.Select(r => r.GetProperty("id").GetString()), ignoreOrder: true);
    }

    [Fact]
    public async Task A_resent_message_is_acknowledged_AA_again_and_stored_once()
    {
        using var tenant = await TenantAsync("hl7-resend");
        var message = Message("hl7-resend", "R-1", "PID|||MRN-1",
            "OBX|1|NM|147842^MDC_ECG_HEART_RATE^MDC||80|/min|||||F|||20260301095800+0100",
            "OBX|2|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC||95|%|||||F|||20260301095800+0100");

        var first = await SendAsync(message);
        var second = await SendAsync(message);

        first.Code.ShouldBe("AA");
        second.Code.ShouldBe("AA", second.ToString());
        second.Field("MSA", 2).ShouldBe("R-1");
        second.Field("MSA", 3).ShouldBe("0 stored, 2 already stored, 0 skipped");
        Db.Count("readings", "hl7-resend").ShouldBe(2);
        Db.Log("readings.raw", "hl7-resend/p2").Count.ShouldBe(2);
    }

    [Fact]
    public async Task The_same_control_id_with_other_content_is_AE_duplicate_key_and_changes_nothing()
    {
        using var tenant = await TenantAsync("hl7-conflict");
        (await SendAsync(Message("hl7-conflict", "C-1", "PID|||MRN-1", "OBX|1|NM|147842^^MDC||80|/min|||||F|||20260301095800+0100"))).Code.ShouldBe("AA");

        var ack = await SendAsync(Message("hl7-conflict", "C-1", "PID|||MRN-1", "OBX|1|NM|147842^^MDC||81|/min|||||F|||20260301095800+0100"));

        ack.Code.ShouldBe("AE", ack.ToString());
        ack.Errors.Single()[2].ShouldBe("MSH^1^10");
        ack.Errors.Single()[3].ShouldStartWith("205^");
        (await ReadingsAsync(tenant, "p2")).Single().GetProperty("value").GetDouble().ShouldBe(80);
    }

    public static TheoryData<string, string[], string, string> ContentErrors => new()
    {
        { "implausible heart rate", ["PID|||MRN-1", "OBX|1|NM|147842^^MDC||400|/min|||||F|||20260301095800+0100"], "OBX^1^5", "102" },
        { "value that is not a number", ["PID|||MRN-1", "OBX|1|NM|8867-4^^LN||fast|/min|||||F|||20260301095800+0100"], "OBX^1^5", "102" },
        { "unit Vigil does not know", ["PID|||MRN-1", "OBX|1|NM|8310-5^^LN||37|furlong|||||F|||20260301095800+0100"], "OBX^1^6", "102" },
        { "patient nobody has", ["PID|||NOBODY^^^HOSP^MR", "OBX|1|NM|8867-4^^LN||60|/min|||||F|||20260301095800+0100"], "PID^1^3", "204" },
        { "no patient identifier", ["PID|||", "OBX|1|NM|8867-4^^LN||60|/min|||||F|||20260301095800+0100"], "PID^1^3", "101" },
        { "time in the far future", ["PID|||MRN-1", "OBX|1|NM|8867-4^^LN||60|/min|||||F|||29990101000000+0000"], "OBX^1^14", "102" },
        { "time that is not a time", ["PID|||MRN-1", "OBX|1|NM|8867-4^^LN||60|/min|||||F|||yesterday"], "OBX^1^14", "102" },
        { "no PID at all", ["OBR|1", "OBX|1|NM|8867-4^^LN||60|/min|||||F|||20260301095800+0100"], "PID^1^3", "100" },
        { "a line that is not a segment", ["PID|||MRN-1", "OBX|1|NM|8867-4^^LN||60|/min|||||F|||20260301095800+0100", "heart rate: 60"], "MSH^1^0", "100" },
        {
            "one bad observation among good ones",
            ["PID|||MRN-1", "OBX|1|NM|8867-4^^LN||60|/min|||||F|||20260301095800+0100", "OBX|2|NM|2708-6^^LN||101|%|||||F|||20260301095800+0100"],
            "OBX^2^5", "102"
        },
    };

    [Theory]
    [MemberData(nameof(ContentErrors))]
    public async Task Content_errors_are_answered_AE_with_an_ERR_naming_segment_field_and_code_and_nothing_is_stored(
        string name, string[] segments, string location, string code)
    {
        var id = "hl7-ae-" + name.Replace(' ', '-');
        using var tenant = await TenantAsync(id);
        var before = Db.LogCount("readings.raw");

        var ack = await SendAsync(Message(id, "AE-1", segments));

        ack.Code.ShouldBe("AE", $"{name}: {ack}");
        var err = ack.Errors.ShouldHaveSingleItem();
        err[2].ShouldBe(location, name);
        err[3].ShouldStartWith($"{code}^", Case.Sensitive, name);
        err[3].ShouldEndWith("^HL70357");
        err[4].ShouldBe("E");
        err[8].ShouldNotBeNullOrWhiteSpace();
        Db.Count("readings", id).ShouldBe(0);
        Db.LogCount("readings.raw").ShouldBe(before);
    }

    [Fact]
    public async Task A_version_2_3_message_is_answered_in_2_3_with_its_error_in_ERR_1_and_MSA_3()
    {
        using var tenant = await TenantAsync("hl7-v23");
        var message = "MSH|^~\\&|MON-hl7-v23|ICU|||20260301100000+0100||ORU^R01|V23|P|2.3\rPID|||MRN-1\r" +
                      "OBX|1|NM|8867-4^Heart rate^LN||400|/min|||||F|||20260301095800+0100\r";

        var ack = await SendAsync(message);

        ack.Code.ShouldBe("AE");
        ack.Field("MSH", 12).ShouldBe("2.3");
        ack.Field("MSA", 3).ShouldContain("400");
        ack.Errors.Single()[1].ShouldBe("OBX^1^5^102&Data type error&HL70357");
    }

    public static TheoryData<string, string, string, string> Refused => new()
    {
        { "another message type", "MSH|^~\\&|{0}|ICU|||20260301100000+0100||ADT^A01|AR-1|P|2.5", "MSH^1^9", "200" },
        { "another event", "MSH|^~\\&|{0}|ICU|||20260301100000+0100||ORU^R30|AR-2|P|2.5", "MSH^1^9", "201" },
        { "an unsupported version", "MSH|^~\\&|{0}|ICU|||20260301100000+0100||ORU^R01|AR-3|P|2.2", "MSH^1^12", "203" },
        { "a later version", "MSH|^~\\&|{0}|ICU|||20260301100000+0100||ORU^R01|AR-4|P|2.7", "MSH^1^12", "203" },
        { "no control id", "MSH|^~\\&|{0}|ICU|||20260301100000+0100||ORU^R01||P|2.5", "MSH^1^10", "101" },
        { "an unknown sender", "MSH|^~\\&|NOT-{0}|ICU|||20260301100000+0100||ORU^R01|AR-5|P|2.5", "MSH^1^3", "207" },
        { "a known application at another facility", "MSH|^~\\&|{0}|ER|||20260301100000+0100||ORU^R01|AR-6|P|2.5", "MSH^1^3", "207" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task Messages_it_cannot_take_are_answered_AR_and_nothing_is_stored(string name, string header, string location, string code)
    {
        var id = "hl7-ar-" + name.Replace(' ', '-');
        using var tenant = await TenantAsync(id);
        var before = Db.LogCount("readings.raw");

        var ack = await SendAsync(string.Format(CultureInfo.InvariantCulture, header, $"MON-{id}") +
                                  "\rPID|||MRN-1\rOBX|1|NM|8867-4^^LN||60|/min|||||F|||20260301095800+0100\r");

        ack.Code.ShouldBe("AR", $"{name}: {ack}");
        ack.Errors.Single()[2].ShouldBe(location, name);
        ack.Errors.Single()[3].ShouldStartWith($"{code}^", Case.Sensitive, name);
        Db.Count("readings", id).ShouldBe(0);
        Db.LogCount("readings.raw").ShouldBe(before);
    }

    [Fact]
    public async Task A_sender_connecting_from_an_address_not_on_its_list_is_refused_AR()
    {
        using var tenant = await TenantAsync("hl7-addr");
        await (await tenant.Admin.PutJsonAsync("/api/v1/hl7/senders",
            new { senders = new[] { new { application = "MON-hl7-addr", facility = "ICU", addresses = new[] { "10.20.0.0/16", "::1" } } } })).ShouldBeAsync(HttpStatusCode.OK);

        var ack = await SendAsync(Message("hl7-addr", "A-1", "PID|||MRN-1", "OBX|1|NM|8867-4^^LN||60|/min|||||F|||20260301095800+0100"));

        ack.Code.ShouldBe("AR");
        ack.Field("MSA", 3).ShouldContain("127.0.0.1");
        Db.Count("readings", "hl7-addr").ShouldBe(0);
    }

    [Fact]
    public async Task Custom_delimiters_escape_sequences_LF_line_ends_and_SN_values_are_read_and_the_ACK_uses_the_message_delimiters()
    {
        using var tenant = await TenantAsync("hl7-esc");
        (await tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p3", name = "Zoë", mrn = "X#1$2%3*4@ë" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        // Field #, component $, repetition %, escape @, sub-component *; MSH-7 without OBX-14 gives the time; LF ends segments.
        var message = string.Join('\n',
            "MSH#$%@*#MON-hl7-esc#ICU#VIGIL#HOSP#20260301100000+0100##ORU$R01$ORU_R01#E@F@1#P#2.5.1",
            "PID###OTHER$$$HOSP$PI%X@F@1@S@2@R@3@T@4@E@@XC3AB@$$$HOSP$MR",
            "OBX#1#SN#8310-5$Body temperature$LN##=$37.5#Cel#####F",
            "OBX#2#SN#8867-4$Heart rate$LN##>$200#/min#####F",
            "OBX#3#NM#8867-4$Heart rate$LN##61#/min#####F###202603010958");

        await using var client = await MllpClient.ConnectAsync(Server.Hl7Port);
        var ack = await client.SendAsync(message);

        ack.Text.ShouldStartWith("MSH#$%@*#VIGIL#HOSP#MON-hl7-esc#ICU#");
        ack.Text.ShouldContain("\rMSA#AA#E@F@1#2 stored, 0 already stored, 1 skipped", Case.Sensitive, ack.ToString());
        var items = (await ReadingsAsync(tenant, "p3")).ToDictionary(r => r.GetProperty("type").GetString()!);
        items["temperature"].GetProperty("value").GetDouble().ShouldBe(37.5);
        items["temperature"].GetProperty("observedAt").GetDateTimeOffset().ShouldBe(DateTimeOffset.Parse("2026-03-01T09:00:00Z", CultureInfo.InvariantCulture));
        // An OBX-14 without an offset is in the sender's zone, MSH-7's +01:00.
        items["heart_rate"].GetProperty("observedAt").GetDateTimeOffset().ShouldBe(DateTimeOffset.Parse("2026-03-01T08:58:00Z", CultureInfo.InvariantCulture));
        items["heart_rate"].GetProperty("id").GetString().ShouldStartWith("hl7x:");
    }

    [Fact]
    public async Task Each_PID_of_a_message_owns_the_observations_after_it_found_by_MRN_or_by_Vigil_id()
    {
        using var tenant = await TenantAsync("hl7-two");

        var ack = await SendAsync(Message("hl7-two", "T-1",
            "PID|||MRN-1", "OBX|1|NM|8867-4^^LN||70|/min|||||F|||20260301095800+0100",
            "PID|||p^^^VIGIL", "OBX|2|NM|8867-4^^LN||90|/min|||||F|||20260301095800+0100"));

        ack.Code.ShouldBe("AA", ack.ToString());
        (await ReadingsAsync(tenant, "p2")).Single().GetProperty("value").GetDouble().ShouldBe(70);
        (await ReadingsAsync(tenant, "p")).Single().GetProperty("value").GetDouble().ShouldBe(90);
    }

    [Fact]
    public async Task An_independent_HL7_implementation_builds_sends_and_reads_the_ACK_python_hl7()
    {
        using var tenant = await TenantAsync("hl7-py");

        var (code, output) = await PythonHl7.RunAsync("tests/Vigil.Tests/Hl7/hl7_peer.py",
            "--port", Server.Hl7Port.ToString(CultureInfo.InvariantCulture), "--application", "MON-hl7-py", "--facility", "ICU",
            "--control-id", "PY-1", "--mrn", "MRN-1", "--version", "2.5.1");

        code.ShouldBe(0, output);
        using var result = JsonDocument.Parse(output);
        var r = result.RootElement;
        r.GetProperty("msa1").GetString().ShouldBe("AA", output);
        r.GetProperty("msa2").GetString().ShouldBe("PY-1");
        r.GetProperty("receiver").GetString().ShouldBe("MON-hl7-py");
        r.GetProperty("version").GetString().ShouldBe("2.5.1");
        r.GetProperty("resent_msa1").GetString().ShouldBe("AA");
        r.GetProperty("error_msa1").GetString().ShouldBe("AE");
        r.GetProperty("error_location").GetString().ShouldBe("OBX^1^5");
        var items = (await ReadingsAsync(tenant, "p2")).ToDictionary(i => i.GetProperty("type").GetString()!);
        items.Keys.ShouldBe(["heart_rate", "spo2", "respiratory_rate", "temperature", "systolic_bp", "diastolic_bp"], ignoreOrder: true);
        items["heart_rate"].GetProperty("value").GetDouble().ShouldBe(r.GetProperty("sent").GetProperty("heart_rate").GetDouble());
        items["temperature"].GetProperty("value").GetDouble().ShouldBe(r.GetProperty("sent").GetProperty("temperature").GetDouble(), 0.001);
        Db.Count("readings", "hl7-py").ShouldBe(6);
    }

    [Fact]
    public async Task The_sender_list_is_replaced_and_read_by_the_customers_admin_only_and_is_the_customers_own()
    {
        using var one = await TenantAsync("hl7-list-1");
        using var two = await TenantAsync("hl7-list-2");
        object[] senders =
        [
            new { application = "LAB", facility = "", addresses = new[] { "10.1.0.0/16", "2001:db8::/32" } },
            new { application = "MON-hl7-list-1", facility = "ICU", addresses = new[] { "127.0.0.1" } },
        ];

        var put = await (await one.Admin.PutJsonAsync("/api/v1/hl7/senders", new { senders })).ShouldBeAsync(HttpStatusCode.OK);
        var got = await (await one.Admin.Get("/api/v1/hl7/senders")).ShouldBeAsync(HttpStatusCode.OK);

        got.GetProperty("senders").ToString().ShouldBe(put.GetProperty("senders").ToString());
        got.GetProperty("senders").EnumerateArray().Select(x => x.GetProperty("application").GetString()).ShouldBe(["LAB", "MON-hl7-list-1"]);
        got.GetProperty("senders")[0].GetProperty("addresses").EnumerateArray().Select(a => a.GetString()).ShouldBe(["10.1.0.0/16", "2001:db8::/32"]);
        var others = await (await two.Admin.Get("/api/v1/hl7/senders")).ShouldBeAsync(HttpStatusCode.OK);
        others.GetProperty("senders").EnumerateArray().Select(x => x.GetProperty("application").GetString()).ShouldBe(["MON-hl7-list-2"]);
        (await one.Device.Get("/api/v1/hl7/senders")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await one.Device.PutJsonAsync("/api/v1/hl7/senders", new { senders })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        using var anonymous = Server.Client();
        (await anonymous.Get("/api/v1/hl7/senders")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_sender_another_customer_has_is_a_conflict_and_invalid_entries_are_named_and_nothing_changes()
    {
        using var one = await TenantAsync("hl7-clash-1");
        using var two = await TenantAsync("hl7-clash-2");

        var clash = await (await two.Admin.PutJsonAsync("/api/v1/hl7/senders",
            new { senders = new[] { new { application = "MON-hl7-clash-1", facility = "ICU", addresses = new[] { "127.0.0.1" } } } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);
        var invalid = await (await one.Admin.PutJsonAsync("/api/v1/hl7/senders", new
        {
            senders = new object[]
            {
                new { application = "", facility = "ICU", addresses = new[] { "127.0.0.1" } },
                new { application = "A", facility = "ICU", addresses = new[] { "10.0.0.0/33", "not-an-address" } },
                new { application = "B", facility = "ICU", addresses = Array.Empty<string>() },
            },
        })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        clash.Errors().ShouldBe([(0, "application")]);
        invalid.Errors().ShouldBe([(0, "application"), (1, "addresses[0]"), (1, "addresses[1]"), (2, "addresses")]);
        // Both customers' lists are as they were: the clash rolled back the delete of customer two's own sender.
        var listed = await (await two.Admin.Get("/api/v1/hl7/senders")).ShouldBeAsync(HttpStatusCode.OK);
        listed.GetProperty("senders").EnumerateArray().Select(x => x.GetProperty("application").GetString()).ShouldBe(["MON-hl7-clash-2"]);
        (await SendAsync(Message("hl7-clash-1", "K-1", "PID|||MRN-1", "OBX|1|NM|8867-4^^LN||60|/min|||||F|||20260301095800+0100"))).Code.ShouldBe("AA");
    }

    /// <summary>Embedded mode: SQLite and the built-in log.</summary>
    public sealed class Embedded(ServerFixture fixture) : Hl7IngestTests(fixture), IClassFixture<ServerFixture>;

    /// <summary>Distributed mode: PostgreSQL and Kafka.</summary>
    public sealed class Distributed(DistributedServerFixture fixture) : Hl7IngestTests(fixture), IClassFixture<DistributedServerFixture>;
}

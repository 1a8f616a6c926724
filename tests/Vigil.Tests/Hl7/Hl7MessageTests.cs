using System.Globalization;
using Vigil.Hl7;

namespace Vigil.Tests.Hl7;

/// <summary>The ER7 reader, escape sequences, HL7 times and the ACK's layout, on their own.</summary>
public sealed class Hl7MessageTests
{
    [Theory]
    [InlineData(@"a\F\b", "a|b")]
    [InlineData(@"a\S\b", "a^b")]
    [InlineData(@"a\T\b", "a&b")]
    [InlineData(@"a\R\b", "a~b")]
    [InlineData(@"C:\E\temp", @"C:\temp")]
    [InlineData(@"\X41\\X42\", "AB")]
    [InlineData(@"Zo\XC3AB\", "Zoë")]
    [InlineData(@"caf\XE9\", "café")]
    [InlineData(@"line\.br\two", "line\ntwo")]
    [InlineData(@"\H\bold\N\", "bold")]
    [InlineData(@"\Q\ stays", @"\Q\ stays")]
    [InlineData(@"no end \F", @"no end \F")]
    [InlineData("plain", "plain")]
    public void Escape_sequences_are_decoded(string raw, string expected) =>
        Hl7Escapes.Decode(raw, Hl7Delimiters.Standard).ShouldBe(expected);

    [Fact]
    public void Text_written_into_an_ACK_is_escaped_so_it_decodes_back()
    {
        const string text = @"a|b^c&d~e\f";
        var encoded = Hl7Escapes.Encode(text, Hl7Delimiters.Standard);

        encoded.ShouldBe(@"a\F\b\S\c\T\d\R\e\E\f");
        Hl7Escapes.Decode(encoded, Hl7Delimiters.Standard).ShouldBe(text);
    }

    [Fact]
    public void Delimiters_come_from_MSH_1_and_MSH_2_and_MSH_fields_are_numbered_as_HL7_numbers_them()
    {
        var message = Hl7Message.Parse("MSH!@#$%!APP!FAC@X!!!20260301!!ORU@R01!ID1!P!2.4\r\nPID!!!A$B@C#D%E@@@MR\nOBX!1\r")!;

        message.Delimiters.ShouldBe(new Hl7Delimiters('!', '@', '#', '$', '%'));
        var msh = message.Header;
        (msh.Value(1), msh.Raw(2), msh.Value(3), msh.Value(4, 1), msh.Value(4, 2), msh.Value(9, 2), msh.Value(10), msh.Value(12))
            .ShouldBe(("!", "@#$%", "APP", "FAC", "X", "R01", "ID1", "2.4"));
        var pid = message.Segments[1];
        pid.Repetitions(3).Count.ShouldBe(2);
        pid.Value(3, component: 1, repetition: 1).ShouldBe("A$B");
        pid.Value(3, component: 2, repetition: 1).ShouldBe("C");
        pid.Value(3, component: 1, sub: 1, repetition: 2).ShouldBe("D");
        pid.Value(3, component: 1, sub: 2, repetition: 2).ShouldBe("E");
        pid.Value(3, component: 4, repetition: 2).ShouldBe("MR");
        message.Segments.Select(s => s.Id).ShouldBe(["MSH", "PID", "OBX"]);
        message.Unreadable.ShouldBeNull();
    }

    [Fact]
    public void A_line_that_is_not_a_segment_is_reported_with_its_number()
    {
        var message = Hl7Message.Parse("MSH|^~\\&|A\rPID|1\r\r\nnot a segment\rOBX|1\r")!;

        message.Unreadable.ShouldBe(3);
        message.Segments.Select(s => s.Id).ShouldBe(["MSH", "PID"]);
    }

    [Theory]
    [InlineData("PID|||1")]
    [InlineData("")]
    [InlineData("MSH")]
    [InlineData("MSH|^^~\\&|")]
    [InlineData("MSH|^")]
    public void Something_that_does_not_begin_with_a_usable_MSH_is_not_a_message(string text) =>
        Hl7Message.Parse(text).ShouldBeNull();

    [Theory]
    [InlineData("20260301095800+0100", null, "2026-03-01T08:58:00Z")]
    [InlineData("202603010958-0530", null, "2026-03-01T15:28:00Z")]
    [InlineData("20260301095800.1234+0000", null, "2026-03-01T09:58:00.1234Z")]
    [InlineData("20260301095800.5", null, "2026-03-01T07:58:00.5Z")]
    [InlineData("20260301095800^S", null, null)]
    public void HL7_times_take_their_offset_or_the_senders(string value, string? unused, string? expected)
    {
        _ = unused;
        var parsed = Hl7Time.Parse(value, TimeSpan.FromHours(2), out var error);

        if (expected is null)
        {
            parsed.ShouldBeNull();
            error.ShouldNotBeNull();
        }
        else
        {
            parsed.ShouldBe(DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture));
            error.ShouldBeNull();
        }
    }

    [Theory]
    [InlineData("2026030109", "not precise to the minute")]
    [InlineData("20261301095800+0000", "not an HL7 time")]
    [InlineData("20260301095800+01", "not an HL7 time")]
    [InlineData("tomorrow", "not an HL7 time")]
    public void Times_that_are_not_precise_or_not_times_are_refused_with_why(string value, string reason)
    {
        Hl7Time.Parse(value, TimeSpan.Zero, out var error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain(reason);
    }

    [Fact]
    public void A_time_with_no_offset_from_a_sender_that_gives_none_is_refused_not_guessed()
    {
        Hl7Time.Parse("20260301095800", null, out var error).ShouldBeNull();
        error.ShouldNotBeNull().ShouldContain("no time zone offset");
    }

    [Fact]
    public void Reading_ids_are_readable_when_MSH_10_allows_and_a_stable_hash_otherwise()
    {
        OruReadings.ReadingId("MON:ICU:MSG-1", 3).ShouldBe("hl7:MON:ICU:MSG-1:3");
        var hashed = OruReadings.ReadingId("MON 2:ICU:MSG/1", 3);
        hashed.ShouldStartWith("hl7x:");
        hashed.ShouldBe(OruReadings.ReadingId("MON 2:ICU:MSG/1", 3));
        hashed.ShouldNotBe(OruReadings.ReadingId("MON 2:ICU:MSG/1", 4));
        Vigil.Domain.Identifiers.IsValid(hashed).ShouldBeTrue();
    }

    [Fact]
    public void An_ACK_swaps_sender_and_receiver_keeps_the_version_and_puts_errors_where_the_version_has_them()
    {
        var v25 = Hl7Message.Parse("MSH|^~\\&|APP|FAC|RECV|RFAC|20260301||ORU^R01|C1|T|2.5.1\r")!;
        var v24 = Hl7Message.Parse("MSH|^~\\&|APP|FAC|||20260301||ORU^R01|C1|P|2.4\r")!;
        Hl7Error[] errors = [new("OBX", 2, 5, Hl7ErrorCode.DataTypeError, "bad | value")];
        var now = DateTimeOffset.Parse("2026-03-01T10:00:00Z", CultureInfo.InvariantCulture);

        var ack25 = new Ack(Hl7Ack.Build(v25, Hl7Ack.Error, "bad", errors, now));
        var ack24 = new Ack(Hl7Ack.Build(v24, Hl7Ack.Error, "bad", errors, now));

        (ack25.Field("MSH", 3), ack25.Field("MSH", 4), ack25.Field("MSH", 5), ack25.Field("MSH", 6)).ShouldBe(("RECV", "RFAC", "APP", "FAC"));
        (ack25.Field("MSH", 7), ack25.Field("MSH", 9), ack25.Field("MSH", 11), ack25.Field("MSH", 12)).ShouldBe(("20260301100000.0000+0000", "ACK^R01^ACK", "T", "2.5.1"));
        (ack25.Code, ack25.Field("MSA", 2), ack25.Field("MSA", 3)).ShouldBe(("AE", "C1", "bad"));
        ack25.Errors.Single().ShouldBe(["ERR", "", "OBX^2^5", "102^Data type error^HL70357", "E", "", "", "", "bad \\F\\ value"]);
        (ack24.Field("MSH", 3), ack24.Field("MSH", 12)).ShouldBe(("VIGIL", "2.4"));
        ack24.Errors.Single().ShouldBe(["ERR", "OBX^2^5^102&Data type error&HL70357"]);
    }
}

using System.Text;
using System.Text.Json;
using Vigil.Domain.Log;

namespace Vigil.Domain.Tests;

public sealed class EnvelopeTests
{
    private const string TraceParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    private static readonly DateTimeOffset Time = new(2026, 11, 21, 9, 59, 0, TimeSpan.Zero);

    private static byte[] Encode(string? traceParent = TraceParent, DateTimeOffset? time = null, string body = """{"hr":72}""") =>
        Envelope.Encode("m-1", "reading.raw", "patient-42", time ?? Time, traceParent, body,
            static (w, json) =>
            {
                using var doc = JsonDocument.Parse(json);
                doc.RootElement.WriteTo(w);
            });

    [Fact]
    public void Encode_then_decode_round_trips_every_field()
    {
        var e = Envelope.Decode(Encode());

        e.MessageId.ShouldBe("m-1");
        e.Type.ShouldBe("reading.raw");
        e.Key.ShouldBe("patient-42");
        e.EventTime.ShouldBe(Time);
        e.TraceParent.ShouldBe(TraceParent);
        e.Body.GetRawText().ShouldBe("""{"hr":72}""");
    }

    [Fact]
    public void An_absent_traceparent_is_left_out_and_decodes_as_null()
    {
        var payload = Encode(traceParent: null);

        Encoding.UTF8.GetString(payload).ShouldNotContain("traceparent");
        Envelope.Decode(payload).TraceParent.ShouldBeNull();
    }

    [Fact]
    public void The_time_is_written_in_utc_and_decodes_to_the_same_instant()
    {
        var local = new DateTimeOffset(2026, 11, 21, 11, 59, 0, TimeSpan.FromHours(2));
        var payload = Encode(time: local);

        Encoding.UTF8.GetString(payload).ShouldContain("\"time\":\"2026-11-21T09:59:00Z\"");
        var decoded = Envelope.Decode(payload).EventTime;
        decoded.ShouldBe(local);
        decoded.Offset.ShouldBe(TimeSpan.Zero);
    }

    [Fact]
    public void The_time_keeps_its_microseconds()
    {
        var precise = Time.AddTicks(1_234_560);

        Envelope.Decode(Encode(time: precise)).EventTime.UtcTicks.ShouldBe(precise.UtcTicks);
    }

    [Fact]
    public void The_payload_is_compact_utf8_json_with_the_fields_in_order()
    {
        var json = Encoding.UTF8.GetString(Encode());

        json.ShouldBe(
            "{\"id\":\"m-1\",\"type\":\"reading.raw\",\"key\":\"patient-42\",\"time\":\"2026-11-21T09:59:00Z\"," +
            $"\"traceparent\":\"{TraceParent}\",\"body\":{{\"hr\":72}}}}");
    }

    [Theory]
    [InlineData("""{"patientId":"p-1","type":"heart_rate","value":72.5,"unit":"/min","tags":["a","b"],"nested":{"ok":true,"n":null}}""")]
    [InlineData("""[1,2,3]""")]
    [InlineData("\"text\"")]
    [InlineData("42")]
    [InlineData("null")]
    [InlineData("{}")]
    public void The_body_json_round_trips(string body) =>
        Envelope.Decode(Encode(body: body)).Body.GetRawText().ShouldBe(body);

    [Fact]
    public void The_body_can_be_read_after_the_payload_is_gone()
    {
        var payload = Encode(body: """{"hr":72,"who":"Zoë"}""");
        var e = Envelope.Decode(payload);
        Array.Clear(payload);

        e.Body.GetProperty("hr").GetInt32().ShouldBe(72);
        e.Body.GetProperty("who").GetString().ShouldBe("Zoë");
    }

    [Fact]
    public void Non_ascii_and_special_characters_in_the_header_fields_round_trip()
    {
        var payload = Envelope.Encode("m-\"1\"", "type/é", "Zoë-患者", Time, "tp\n", 0, static (w, _) => w.WriteNullValue());

        var e = Envelope.Decode(payload);

        e.MessageId.ShouldBe("m-\"1\"");
        e.Type.ShouldBe("type/é");
        e.Key.ShouldBe("Zoë-患者");
        e.TraceParent.ShouldBe("tp\n");
        e.Body.ValueKind.ShouldBe(JsonValueKind.Null);
    }

    [Fact]
    public void The_body_writer_receives_the_state()
    {
        var payload = Envelope.Encode("m-1", "t", "k", Time, null, (Hr: 61, Unit: "/min"), static (w, s) =>
        {
            w.WriteStartObject();
            w.WriteNumber("hr", s.Hr);
            w.WriteString("unit", s.Unit);
            w.WriteEndObject();
        });

        Envelope.Decode(payload).Body.GetRawText().ShouldBe("""{"hr":61,"unit":"/min"}""");
    }

    [Fact]
    public void A_payload_without_a_required_field_cannot_be_decoded() =>
        Should.Throw<KeyNotFoundException>(() =>
            Envelope.Decode("""{"id":"m-1","type":"t","time":"2026-11-21T09:59:00Z","body":{}}"""u8));

    [Fact]
    public void A_payload_that_is_not_json_cannot_be_decoded() =>
        Should.Throw<JsonException>(() => Envelope.Decode("not json"u8));

    [Fact]
    public void The_header_reads_the_metadata_and_finds_the_raw_body_as_decoding_does()
    {
        var payload = Envelope.Encode("m-1", "t", "k", Time, "00-abc", 7, static (w, n) =>
        {
            w.WriteStartObject();
            w.WriteNumber("n", n);
            w.WriteStartObject("nested");
            w.WriteString("id", "inner");
            w.WriteEndObject();
            w.WriteEndObject();
        });

        var header = Envelope.ReadHeader(payload);
        var decoded = Envelope.Decode(payload);

        (header.MessageId, header.Type, header.Key, header.EventTime, header.TraceParent)
            .ShouldBe((decoded.MessageId, decoded.Type, decoded.Key, decoded.EventTime, decoded.TraceParent));
        System.Text.Encoding.UTF8.GetString(payload.AsSpan(header.Body)).ShouldBe(decoded.Body.GetRawText());
    }

    [Fact]
    public void A_header_without_a_body_or_an_id_is_refused()
    {
        Should.Throw<JsonException>(() => Envelope.ReadHeader("""{"id":"m-1","type":"t","key":"k","time":"2026-11-21T09:59:00Z"}"""u8));
        Should.Throw<JsonException>(() => Envelope.ReadHeader("""{"type":"t","key":"k","time":"2026-11-21T09:59:00Z","body":{}}"""u8));
    }
}

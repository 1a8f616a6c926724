using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Processing.Analysis;

namespace Vigil.Tests.Processing;

/// <summary>The analyzer's one-pass reading of a <c>readings.enriched</c> message.</summary>
public sealed class EnrichedReadingTests
{
    private static EnrichedReading Decode(string body) => EnrichedReading.Decode(System.Text.Encoding.UTF8.GetBytes(
        $$"""{"id":"m1","type":"reading.enriched","key":"c1/p1","time":"2026-11-21T10:00:00Z","traceparent":"00-x","body":{{body}},"extra":[1,{"id":"no"}]}"""));

    [Fact]
    public void Every_field_the_stages_need_is_read_from_the_body_not_from_nested_objects()
    {
        var r = Decode("""
            {"customerId":"c1","id":"r1","patientId":"p1","deviceId":"d1","type":"heart_rate","value":72.5,"unit":"/min",
             "observedAt":"2026-11-21T10:00:00.1234567Z","receivedAt":"2026-11-21T10:00:01Z",
             "patient":{"id":"p1","mrn":"M1","name":"A","spo2Scale":2,"status":"admitted"},
             "department":{"id":"dep1","name":"ICU"},"customer":{"id":"c1","name":"Clinic"},
             "device":{"id":"d1","serial":"S","type":"monitor"},"notes":{"id":"x","nested":[{"type":"spo2"}]}}
            """);

        r.ShouldBe(new EnrichedReading("c1", "p1", "dep1", "d1", "r1", VitalTypes.HeartRate, 72.5, null,
            EventTime.Truncate(DateTimeOffset.Parse("2026-11-21T10:00:00.1234567Z")), 2, TraceParent: "00-x"));
    }

    [Theory]
    [InlineData("true", 1.0, null)]
    [InlineData("false", 0.0, null)]
    [InlineData("\"V\"", null, "V")]
    [InlineData("null", null, null)]
    public void Values_of_every_kind_are_read(string value, double? number, string? text)
    {
        var r = Decode($$"""{"customerId":"c1","id":"r1","patientId":"p1","type":"consciousness","value":{{value}},"observedAt":"2026-11-21T10:00:00Z"}""");

        (r.Number, r.Text, r.DeviceId, r.DepartmentId, r.Spo2Scale).ShouldBe((number, text, null, null, 1));
    }

    [Fact]
    public void An_unknown_type_reads_as_none_and_a_missing_field_is_an_error()
    {
        Decode("""{"customerId":"c1","id":"r1","patientId":"p1","type":"future_vital","value":1,"observedAt":"2026-11-21T10:00:00Z"}""").Type.ShouldBeNull();
        Should.Throw<System.Text.Json.JsonException>(() => Decode("""{"customerId":"c1","id":"r1","type":"heart_rate","value":1,"observedAt":"2026-11-21T10:00:00Z"}"""));
    }
}

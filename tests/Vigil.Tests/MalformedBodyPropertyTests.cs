using System.Globalization;
using System.Net;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests;

/// <summary>
/// Whatever bytes arrive at the ingest endpoints, Vigil answers with a 4xx or a 2xx, never a 5xx, and a refusal leaves
/// no trace: no reading, no event, no log message.
/// </summary>
public sealed class MalformedBodyPropertyTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const int Cases = 300;

    private static readonly string[] FieldNames =
        ["id", "eventId", "patientId", "deviceId", "type", "code", "value", "unit", "observedAt", "ts", "data", "", "päťient", "__proto__"];

    private static readonly string[] ValidBodies =
    [
        """{"id":"r1","patientId":"p","deviceId":"d","type":"heart_rate","value":72,"observedAt":"2026-03-01T10:00:00Z"}""",
        """[{"patientId":"p","type":"temperature","value":98.6,"unit":"[degF]","observedAt":"2026-03-01T10:00:00Z"},{"patientId":"p","code":"8867-4","value":60,"observedAt":"2026-03-01T10:01:00Z"}]""",
        """{"eventId":"e1","patientId":"p","type":"fall","data":{"severity":2,"where":{"room":"12b"}},"ts":"2026-03-01T10:00:00Z"}""",
        """[{"eventId":"e2","patientId":"p","type":"note","data":{"text":"ü ✓ 𝄞"},"ts":"2026-03-01T10:00:00+02:00"}]""",
    ];

    private static Gen<string> Scalar() => Gen.OneOf(
        Gen.Elements("null", "true", "false", "0", "-0", "1e309", "-1e309", "123456789012345678901234567890", "1.7976931348623157e308",
            "4.9e-324", "NaN", "Infinity", "\"\"", "\"A\"", "\"V\"", "\"heart_rate\"", "\"p\"", "\"d\"", "\"8867-4\"", "\"[degF]\"",
            "\"2026-03-01T10:00:00Z\"", "\"1969-12-31T23:59:59Z\"", "\"9999-12-31T23:59:59Z\"", "\"\\ud800\"", "\"\\u0000\"", "\"ü✓𝄞\"",
            "\"" + new string('x', 200) + "\"", "01", "1.", ".5", "+1", "\"\\x\""),
        Gen.Choose(-1000, 1000).Select(i => i.ToString(CultureInfo.InvariantCulture)),
        ArbMap.Default.GeneratorFor<double>().Select(d => double.IsFinite(d) ? d.ToString("R", CultureInfo.InvariantCulture) : "0"),
        ArbMap.Default.GeneratorFor<string>().Where(s => s is not null).Select(s => System.Text.Json.JsonSerializer.Serialize(s)));

    private static Gen<string> Value(int depth) => depth <= 0
        ? Scalar()
        : Gen.Frequency(
            (4, Scalar()),
            (1, Gen.ListOf(Value(depth - 1), 4).Select(items => "[" + string.Join(',', items) + "]")),
            (1, RandomObject(depth - 1)));

    private static Gen<string> RandomObject(int depth) =>
        Gen.ListOf(Gen.Zip(Gen.Elements(FieldNames), Value(depth)), 8)
            .Select(fields => "{" + string.Join(',', fields.Select(f => System.Text.Json.JsonSerializer.Serialize(f.Item1) + ":" + f.Item2)) + "}");

    private static Gen<string> JsonIsh() =>
        Gen.ArrayOf(Gen.Elements("{", "}", "[", "]", "\"", ":", ",", "\\", " ", "\n", "a", "1", "-", ".", "e", "null", "tru", "\"patientId\"", "ü", "\u0000", "𝄞"))
            .Select(parts => string.Concat(parts));

    private static Gen<string> Truncated() =>
        Gen.Elements(ValidBodies).SelectMany(body => Gen.Choose(0, body.Length - 1).Select(cut => body[..cut]));

    private static Gen<string> DeepNesting() =>
        Gen.Zip(Gen.Choose(1, 3000), Gen.Elements("[", "{\"data\":", "[{\"value\":", "{\"patientId\":\"p\",\"type\":\"fall\",\"ts\":\"2026-03-01T10:00:00Z\",\"data\":{\"a\":"))
            .SelectMany(t => Gen.Elements(true, false).Select(close =>
                string.Concat(Enumerable.Repeat(t.Item2, t.Item1)) + "1"
                + (close ? new string(t.Item2 == "[" ? ']' : '}', t.Item1) : "")));

    private static Gen<string> Mutated() =>
        Gen.Elements(ValidBodies).SelectMany(body => Gen.Zip(Gen.Choose(0, body.Length - 1), Gen.Elements('"', '{', '}', ',', ':', 'x', '\\', '0', 'é'))
            .Select(t => body[..t.Item1] + t.Item2 + body[(t.Item1 + 1)..]));

    private static Arbitrary<string> Bodies() => Gen.OneOf(
            JsonIsh(),
            RandomObject(3),
            Gen.ListOf(RandomObject(2), 5).Select(items => "[" + string.Join(',', items) + "]"),
            Truncated(),
            DeepNesting(),
            Mutated(),
            Value(2))
        .ToArbitrary();

    [Fact]
    public async Task Random_malformed_bodies_never_cause_a_server_error_or_a_partial_write() =>
        await CheckAsync(Bodies());

    [Theory]
    [InlineData("/api/v1/readings", """{"patientId":"\ud800","type":"heart_rate","value":60,"observedAt":"2026-03-01T10:00:00Z"}""")]
    [InlineData("/api/v1/readings", """{"patientId":"p","type":"consciousness","value":"\udc00","observedAt":"2026-03-01T10:00:00Z"}""")]
    [InlineData("/api/v1/readings", """{"\ud800":1,"patientId":"p","type":"heart_rate","value":60,"observedAt":"2026-03-01T10:00:00Z"}""")]
    [InlineData("/api/v1/events", """{"patientId":"p","type":"fall","data":{},"ts":"\ud800"}""")]
    public async Task A_string_holding_half_a_surrogate_pair_is_refused_as_bad_input_not_a_server_error(string path, string body)
    {
        using var tenant = await Tenant.CreateAsync(fixture.Server, "prop-surrogate-" + Math.Abs(body.GetHashCode(StringComparison.Ordinal)));

        var response = await tenant.Device.PostRawAsync(path, body);

        ((int)response.StatusCode).ShouldBeOneOf(400, 422);
    }

    private async Task CheckAsync(Arbitrary<string> bodies)
    {
        using var tenant = await Tenant.CreateAsync(fixture.Server, "prop-" + Guid.NewGuid().ToString("N")[..8]);
        var failures = new List<string>();
        var property = Prop.ForAll(bodies, body => Probe(tenant, body, failures));

        try
        {
            Check.One(Config.QuickThrowOnFailure.WithMaxTest(Cases).WithQuietOnSuccess(true), property);
        }
        finally
        {
            // The reasons of the first failing case (and of its shrinks), which FsCheck's message does not carry.
            failures.ShouldBeEmpty();
        }
    }

    /// <summary>Posts the body to both ingest endpoints; false (and a recorded reason) on a 5xx or a refused request that wrote something.</summary>
    private bool Probe(Tenant tenant, string body, List<string> failures) =>
        Task.Run(async () =>
        {
            var ok = true;
            foreach (var path in new[] { "/api/v1/readings", "/api/v1/events" })
            {
                var before = Counts(tenant.Id);
                using var response = await tenant.Device.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), Http.Ct);
                var after = Counts(tenant.Id);
                var status = (int)response.StatusCode;
                if (status >= 500)
                {
                    failures.Add($"{path} answered {status} to {Show(body)}: {await response.Content.ReadAsStringAsync(Http.Ct)}");
                    ok = false;
                }
                else if (status is < 200 or >= 300 && after != before)
                {
                    failures.Add($"{path} answered {status} to {Show(body)} but the store changed from {before} to {after}");
                    ok = false;
                }
                else if (status == (int)HttpStatusCode.OK)
                {
                    failures.Add($"{path} answered 200 instead of 202 to {Show(body)}");
                    ok = false;
                }
            }

            return ok;
        }).GetAwaiter().GetResult();

    private (long Readings, long Events, long Log) Counts(string customer)
    {
        var db = fixture.Database;
        // Only what ingest appends: the processing roles append their own output (readings.enriched, dead letters)
        // in the background for bodies that were accepted, which says nothing about a refused one.
        return (db.Count("readings", customer), db.Count("events", customer),
            db.Scalar("SELECT COUNT(*) FROM log WHERE topic IN ('readings.raw', 'events', 'reference.changes')"));
    }

    private static string Show(string body) => body.Length > 300 ? body[..300] + $"... ({body.Length} chars)" : body;
}

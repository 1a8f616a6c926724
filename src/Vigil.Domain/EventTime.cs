using System.Globalization;

namespace Vigil.Domain;

/// <summary>Event-time parsing and storage form: ISO 8601 with an explicit offset, kept as UTC microseconds.</summary>
public static class EventTime
{
    /// <summary>How far ahead of the server's clock an event time may be (device clocks drift).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Parses an ISO 8601 time that names its offset ("Z" or "+01:00"); null reason on success.</summary>
    public static string? TryParse(string? text, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "is required";
        }

        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            || !HasExplicitOffset(text))
        {
            return "must be an ISO 8601 date-time with an offset, e.g. 2026-11-21T10:00:00Z";
        }

        value = Truncate(parsed.ToUniversalTime());
        if (value < Earliest)
        {
            return "must not be before 1970-01-01";
        }

        if (value > now + MaxClockSkew)
        {
            return "must not be more than 5 minutes in the future";
        }

        return null;
    }

    private static bool HasExplicitOffset(string text)
    {
        var t = text.AsSpan().TrimEnd();
        if (t.EndsWith("Z", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        // ...T10:00:00+01:00 or -0500: a sign after the time part.
        var tIndex = t.IndexOfAny('T', 't');
        return tIndex > 0 && t[tIndex..].IndexOfAny('+', '-') > 0;
    }

    /// <summary>Microseconds since the Unix epoch: the precision both SQLite and PostgreSQL keep.</summary>
    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromMicros(long micros) => new(DateTimeOffset.UnixEpoch.UtcTicks + (micros * 10), TimeSpan.Zero);

    public static DateTimeOffset Truncate(DateTimeOffset t) => FromMicros(ToMicros(t));
}

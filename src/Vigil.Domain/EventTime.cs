using System.Globalization;
using System.Text.RegularExpressions;

namespace Vigil.Domain;

/// <summary>Event-time parsing and storage form: ISO 8601 with an explicit offset, kept as UTC microseconds.</summary>
public static partial class EventTime
{
    /// <summary>How far ahead of the server's clock an event time may be (device clocks drift).</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Parses an RFC 3339 / ISO 8601 time that names its offset ("Z" or "+01:00"); null reason on success.</summary>
    public static string? TryParse(string? text, DateTimeOffset now, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return "is required";
        }

        if (!Iso8601().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed))
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

    /// <summary>ISO 8601 / RFC 3339 date-time: full date, 'T' (or a space), hh:mm with optional seconds and fraction, Z or ±hh[:]mm.</summary>
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?([Zz]|[+-]\d{2}:?\d{2})$", RegexOptions.CultureInvariant)]
    private static partial Regex Iso8601();

    /// <summary>Microseconds since the Unix epoch: the precision both SQLite and PostgreSQL keep.</summary>
    public static long ToMicros(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static DateTimeOffset FromMicros(long micros) => new(DateTimeOffset.UnixEpoch.UtcTicks + (micros * 10), TimeSpan.Zero);

    public static DateTimeOffset Truncate(DateTimeOffset t) => FromMicros(ToMicros(t));

    /// <summary>A query's lower bound in microseconds: everything when there is none.</summary>
    public static long FromBound(DateTimeOffset? from) => from is { } f ? ToMicros(f) : long.MinValue;

    /// <summary>A query's (exclusive) upper bound in microseconds: everything when there is none.</summary>
    public static long ToBound(DateTimeOffset? to) => to is { } t ? ToMicros(t) : long.MaxValue;
}

using System.Globalization;

namespace Vigil.Hl7;

/// <summary>
/// HL7 v2 TS/DTM values, <c>YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]</c> (v2.5 section 2.A.74). An observation
/// time needs at least the minute. A value without an offset is in the sender's time zone, which MSH-7 carries; when
/// neither has one, the time is refused rather than guessed.
/// </summary>
internal static class Hl7Time
{
    /// <summary>Parses a time; <paramref name="error"/> says why not. <paramref name="senderOffset"/> applies to a value without an offset.</summary>
    public static DateTimeOffset? Parse(string value, TimeSpan? senderOffset, out string? error)
    {
        error = null;
        var (local, offset, precise) = Split(value);
        if (local is null)
        {
            error = $"'{value}' is not an HL7 time (YYYYMMDDHHMM[SS[.S...]][+/-ZZZZ])";
            return null;
        }

        if (!precise)
        {
            error = $"'{value}' is not precise to the minute";
            return null;
        }

        if ((offset ?? senderOffset) is not { } zone)
        {
            error = $"'{value}' has no time zone offset (+/-ZZZZ), and MSH-7 gives none for the sender";
            return null;
        }

        return new DateTimeOffset(local.Value, zone);
    }

    /// <summary>The offset a time carries, if it has one (MSH-7's is the sender's time zone).</summary>
    public static TimeSpan? OffsetOf(string value) => Split(value).Offset;

    private static (DateTime? Local, TimeSpan? Offset, bool Precise) Split(string value)
    {
        var s = value.Trim();
        TimeSpan? offset = null;
        var sign = s.IndexOfAny(['+', '-']);
        if (sign >= 0)
        {
            var zone = s[(sign + 1)..];
            if (zone.Length != 4 || !int.TryParse(zone.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var h)
                || !int.TryParse(zone.AsSpan(2, 2), NumberStyles.None, CultureInfo.InvariantCulture, out var m) || h > 14 || m > 59)
            {
                return (null, null, false);
            }

            offset = new TimeSpan(h, m, 0) * (s[sign] == '-' ? -1 : 1);
            s = s[..sign];
        }

        var fraction = 0L;
        var dot = s.IndexOf('.');
        if (dot >= 0)
        {
            var digits = s[(dot + 1)..];
            if (dot != 14 || digits.Length is 0 or > 4 || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out fraction))
            {
                return (null, null, false);
            }

            // Fractions of a second, up to four digits: ticks are 1/10,000,000 s.
            fraction *= (long)Math.Pow(10, 7 - digits.Length);
            s = s[..dot];
        }

        if (s.Length is not (4 or 6 or 8 or 10 or 12 or 14) || !s.All(char.IsAsciiDigit))
        {
            return (null, null, false);
        }

        var padded = s + "0101000000"[(s.Length - 4)..];
        if (!DateTime.TryParseExact(padded, "yyyyMMddHHmmss", CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            return (null, null, false);
        }

        return (local.AddTicks(fraction), offset, s.Length >= 12);
    }
}

using System.Globalization;
using System.Text;

namespace Vigil.Hl7;

/// <summary>
/// HL7 v2 escape sequences (v2.5 section 2.7.1 to 2.7.4): <c>\F\ \S\ \T\ \R\ \E\</c> stand for the delimiters,
/// <c>\Xhh..\</c> for bytes given in hexadecimal (read as UTF-8, else Latin-1), <c>\.br\</c> for a line break.
/// Highlighting (<c>\H\ \N\</c>), character-set switches (<c>\C..\ \M..\</c>) and other formatting commands carry
/// nothing a number or an identifier needs and are dropped. An escape character with no closing one is kept as it is.
/// </summary>
internal static class Hl7Escapes
{
    public static string Decode(string value, Hl7Delimiters d)
    {
        if (d.Escape is not { } e || value.IndexOf(e) < 0)
        {
            return value;
        }

        var b = new StringBuilder(value.Length);
        var i = 0;
        while (i < value.Length)
        {
            var c = value[i];
            var close = c == e ? value.IndexOf(e, i + 1) : -1;
            if (close < 0)
            {
                b.Append(c);
                i++;
                continue;
            }

            var sequence = value[(i + 1)..close];
            switch (sequence)
            {
                case "F": b.Append(d.Field); break;
                case "S": b.Append(d.Component); break;
                case "T": b.Append(d.Subcomponent); break;
                case "R": b.Append(d.Repetition); break;
                case "E": b.Append(e); break;
                case ".br": b.Append('\n'); break;
                case ['X', .. var hex] when TryHex(hex, out var text): b.Append(text); break;
                case "H" or "N" or ['C', ..] or ['M', ..] or ['.', ..] or ['Z', ..]: break;
                default:
                    // Not an escape sequence HL7 defines: keep the text as it came.
                    b.Append(value, i, close - i + 1);
                    break;
            }

            i = close + 1;
        }

        return b.ToString();
    }

    /// <summary>Writes <paramref name="text"/> for a field of a message with delimiters <paramref name="d"/>.</summary>
    public static string Encode(string text, Hl7Delimiters d)
    {
        if (d.Escape is not { } e)
        {
            return text.Replace(d.Field, ' ').Replace(d.Component, ' ').Replace(d.Repetition, ' ');
        }

        var b = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var code = c == d.Field ? 'F' : c == d.Component ? 'S' : c == d.Subcomponent ? 'T' : c == d.Repetition ? 'R' : c == e ? 'E' : '\0';
            if (code != '\0')
            {
                b.Append(e).Append(code).Append(e);
            }
            else
            {
                b.Append(c is '\r' or '\n' ? ' ' : c);
            }
        }

        return b.ToString();
    }

    private static bool TryHex(string hex, out string text)
    {
        text = "";
        if (hex.Length == 0 || hex.Length % 2 != 0)
        {
            return false;
        }

        var bytes = new byte[hex.Length / 2];
        for (var k = 0; k < bytes.Length; k++)
        {
            if (!byte.TryParse(hex.AsSpan(2 * k, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out bytes[k]))
            {
                return false;
            }
        }

        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            text = Encoding.Latin1.GetString(bytes);
        }

        return true;
    }
}

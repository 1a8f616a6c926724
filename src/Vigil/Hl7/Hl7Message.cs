namespace Vigil.Hl7;

/// <summary>
/// An HL7 v2 message in ER7 ("pipe") encoding: segments split on CR (LF and CRLF tolerated), fields, repetitions,
/// components and sub-components split on the delimiters its own MSH-1 and MSH-2 declare, values unescaped on read
/// (HL7 v2.5 section 2.7). Only what Vigil reads is modelled; values stay raw until asked for.
/// </summary>
internal sealed class Hl7Message
{
    private Hl7Message(Hl7Delimiters delimiters, IReadOnlyList<Hl7Segment> segments, int? unreadable)
    {
        Delimiters = delimiters;
        Segments = segments;
        Unreadable = unreadable;
    }

    public Hl7Delimiters Delimiters { get; }

    public IReadOnlyList<Hl7Segment> Segments { get; }

    public Hl7Segment Header => Segments[0];

    /// <summary>The first line (1-based) that is not a segment, if any; the segments before it are read.</summary>
    public int? Unreadable { get; }

    /// <summary>Parses a message that begins with an MSH segment; null when it does not (or its delimiters are unusable).</summary>
    public static Hl7Message? Parse(string text)
    {
        text = text.TrimStart('\r', '\n', ' ', '\t');
        if (text.Length < 8 || !text.StartsWith("MSH", StringComparison.Ordinal))
        {
            return null;
        }

        var field = text[3];
        var end = text.IndexOf(field, 4);
        var lineEnd = text.IndexOfAny(['\r', '\n'], 4);
        if (end < 0 || (lineEnd >= 0 && lineEnd < end) || end - 4 < 2)
        {
            return null;
        }

        var chars = text[4..end];
        var d = new Hl7Delimiters(field, chars[0], chars[1], chars.Length > 2 ? chars[2] : null, chars.Length > 3 ? chars[3] : null);
        if (!d.AreDistinct)
        {
            return null;
        }

        var segments = new List<Hl7Segment>();
        var lines = text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < lines.Length; i++)
        {
            var fields = lines[i].Split(field);
            if (fields[0].Length != 3 || !fields[0].All(char.IsAsciiLetterOrDigit))
            {
                return new Hl7Message(d, segments, i + 1);
            }

            segments.Add(new Hl7Segment(fields[0], fields, d));
        }

        return new Hl7Message(d, segments, null);
    }
}

/// <summary>The delimiters of one message: field (MSH-1), then component, repetition, escape and sub-component (MSH-2).</summary>
internal sealed record Hl7Delimiters(char Field, char Component, char Repetition, char? Escape, char? Subcomponent)
{
    public static readonly Hl7Delimiters Standard = new('|', '^', '~', '\\', '&');

    /// <summary>MSH-2 as it is written.</summary>
    public string EncodingCharacters => $"{Component}{Repetition}{Escape}{Subcomponent}";

    public bool AreDistinct
    {
        get
        {
            char?[] all = [Field, Component, Repetition, Escape, Subcomponent];
            var given = all.Where(c => c is not null).ToList();
            return given.Distinct().Count() == given.Count && given.All(c => c is not ('\r' or '\n'));
        }
    }
}

/// <summary>One segment. Field numbers are HL7's: MSH-1 is the field separator itself, so MSH's fields are shifted by one.</summary>
internal sealed class Hl7Segment(string id, string[] fields, Hl7Delimiters delimiters)
{
    public string Id { get; } = id;

    /// <summary>Field <paramref name="n"/> as written (still escaped); empty when absent.</summary>
    public string Raw(int n)
    {
        if (Id == "MSH")
        {
            return n == 1 ? delimiters.Field.ToString() : n - 1 < fields.Length ? fields[n - 1] : "";
        }

        return n < fields.Length ? fields[n] : "";
    }

    /// <summary>The repetitions of field <paramref name="n"/>, each still escaped.</summary>
    public IReadOnlyList<string> Repetitions(int n)
    {
        var raw = Raw(n);
        return Id == "MSH" && n <= 2 ? [raw] : raw.Split(delimiters.Repetition);
    }

    /// <summary>
    /// Field <paramref name="n"/>, component <paramref name="component"/>, sub-component <paramref name="sub"/> of
    /// repetition <paramref name="repetition"/> (all 1-based), unescaped; empty when absent.
    /// </summary>
    public string Value(int n, int component = 1, int sub = 1, int repetition = 1)
    {
        var reps = Repetitions(n);
        return repetition <= reps.Count ? Hl7Segment.Part(reps[repetition - 1], component, sub, delimiters) : "";
    }

    /// <summary>A component of one repetition as <see cref="Repetitions"/> returns it, unescaped.</summary>
    public string Part(string repetition, int component, int sub = 1) => Part(repetition, component, sub, delimiters);

    private static string Part(string raw, int component, int sub, Hl7Delimiters d)
    {
        var components = raw.Split(d.Component);
        if (component > components.Length)
        {
            return "";
        }

        var value = components[component - 1];
        if (d.Subcomponent is { } s)
        {
            var subs = value.Split(s);
            value = sub <= subs.Length ? subs[sub - 1] : "";
        }
        else if (sub > 1)
        {
            value = "";
        }

        return Hl7Escapes.Decode(value, d);
    }
}

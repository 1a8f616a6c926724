using System.Globalization;
using System.Text.RegularExpressions;
using Vigil.Domain.Readings;

namespace Vigil.Domain.Insights;

/// <summary>
/// Turns a question in plain English into an <see cref="AskQuery"/> by rules: which patient (by id after "patient",
/// or a known patient's name), which department (after "ward"/"department"/"unit", or a known department's id or
/// name), which vital, which statistic, which comparison and which time range. Deterministic: the same question, the
/// same known names and the same clock give the same query. It knows only the names it is given, so it can name
/// only the caller's patients and departments.
/// </summary>
public static partial class QuestionParser
{
    /// <summary>A patient or department the parser may recognise by name.</summary>
    public sealed record Known(string Id, string Name);

    /// <summary>The query, or why there is none.</summary>
    public sealed record Result(AskQuery? Query, string? Reason);

    /// <summary>How far back a statistic looks when the question names no time range.</summary>
    public static readonly TimeSpan DefaultRange = TimeSpan.FromHours(24);

    private static readonly (string Phrase, string Vital)[] VitalWords =
    [
        ("news2", AskQuery.News2), ("news 2", AskQuery.News2), ("news score", AskQuery.News2), ("early warning", AskQuery.News2), ("news", AskQuery.News2),
        ("heart rate", "heart_rate"), ("heart-rate", "heart_rate"), ("heartrate", "heart_rate"), ("pulse", "heart_rate"), ("hr", "heart_rate"), ("bpm", "heart_rate"),
        ("respiratory rate", "respiratory_rate"), ("respiration", "respiratory_rate"), ("breathing rate", "respiratory_rate"), ("resp rate", "respiratory_rate"), ("rr", "respiratory_rate"),
        ("spo2", "spo2"), ("sp02", "spo2"), ("oxygen saturation", "spo2"), ("saturation", "spo2"), ("sats", "spo2"),
        ("temperature", "temperature"), ("temp", "temperature"), ("fever", "temperature"),
        ("systolic", "systolic_bp"), ("blood pressure", "systolic_bp"), ("bp", "systolic_bp"), ("diastolic", "diastolic_bp"),
        ("weight", "weight"), ("height", "height"), ("bmi", "bmi"), ("steps", "steps"),
    ];

    private static readonly (string Phrase, string Statistic)[] StatisticWords =
    [
        ("average", "average"), ("mean", "average"), ("avg", "average"),
        ("minimum", "min"), ("lowest", "min"), ("min", "min"),
        ("maximum", "max"), ("highest", "max"), ("peak", "max"), ("max", "max"),
        ("latest", "latest"), ("current", "latest"), ("last", "latest"), ("now", "latest"), ("most recent", "latest"),
        ("how many", "count"), ("number of", "count"), ("count", "count"),
        ("trend", "trend"), ("trending", "trend"), ("rising", "trend"), ("falling", "trend"), ("slope", "trend"), ("going up", "trend"), ("going down", "trend"),
    ];

    private static readonly (string Phrase, string Op)[] ComparisonWords =
    [
        (">=", ">="), ("=>", ">="), ("<=", "<="), ("=<", "<="), (">", ">"), ("<", "<"), ("=", "="),
        ("at least", ">="), ("or more", ">="), ("or higher", ">="), ("at most", "<="), ("or less", "<="), ("or lower", "<="),
        ("above", ">"), ("over", ">"), ("greater than", ">"), ("more than", ">"), ("higher than", ">"),
        ("below", "<"), ("under", "<"), ("less than", "<"), ("lower than", "<"), ("equal to", "="), ("equals", "="), ("of", "="),
    ];

    public static Result Parse(string question, IReadOnlyList<Known> patients, IReadOnlyList<Known> departments, DateTimeOffset now)
    {
        var text = " " + Normalise(question) + " ";
        var (from, to, hasRange, rangeError) = TimeRange(text, now);
        if (rangeError is not null)
        {
            return new Result(null, rangeError);
        }

        var department = Department(text, departments);
        var patient = Patient(text, patients);
        var vital = Find(text, VitalWords);
        var (comparison, threshold) = Comparison(text);

        if (Regex.IsMatch(text, @"\balerts?\b|\balarms?\b"))
        {
            var status = text.Contains(" acknowledged ") ? "acknowledged" : text.Contains(" active ") ? "active" : "open";
            return new Result(new AskQuery(AskQuery.Alerts, patient, department, Status: status,
                From: hasRange ? from : null, To: hasRange ? to : null), null);
        }

        var asksForPatients = Regex.IsMatch(text, @"\b(which|what|list|show|any)\s+(of\s+the\s+)?(patients?|people|residents?)\b|\bwho\b|\bpatients\s+(with|have|has|whose|in)\b");
        if (asksForPatients && patient is null)
        {
            if (comparison is null)
            {
                return new Result(null, "which patients: the question needs a condition such as 'NEWS2 >= 5' or 'heart rate above 120'");
            }

            return new Result(new AskQuery(AskQuery.PatientsWhere, Department: department, Vital: vital ?? AskQuery.News2,
                Comparison: comparison, Threshold: threshold), null);
        }

        if (patient is null)
        {
            return new Result(null, "the question names no patient (say 'patient <id>' or the patient's name), nor asks which patients or which alerts");
        }

        if (vital is null)
        {
            return new Result(null, "the question names no vital sign (heart rate, respiratory rate, SpO2, temperature, blood pressure, weight, steps, NEWS2)");
        }

        // "in the last hour" names a range, not the latest value.
        var statistic = Find(LastRange().Replace(text, " "), StatisticWords) ?? "latest";
        return new Result(new AskQuery(AskQuery.VitalStatistic, patient, department, vital, statistic,
            From: hasRange || statistic != "latest" ? from : null, To: hasRange || statistic != "latest" ? to : null), null);
    }

    private static string Normalise(string question) =>
        Whitespace().Replace(question.ToLowerInvariant().Replace('?', ' ').Replace(',', ' ').Replace('!', ' '), " ").Trim();

    /// <summary>The phrase of <paramref name="words"/> that appears first in the text (whole words), or null.</summary>
    private static string? Find(string text, (string Phrase, string Value)[] words)
    {
        string? found = null;
        var at = int.MaxValue;
        foreach (var (phrase, value) in words)
        {
            var m = Regex.Match(text, $@"(?<![\w]){Regex.Escape(phrase)}(?![\w])");
            if (m.Success && m.Index < at)
            {
                (found, at) = (value, m.Index);
            }
        }

        return found;
    }

    private static string? Patient(string text, IReadOnlyList<Known> patients)
    {
        var m = Regex.Match(text, @"\bpatient\s+(?:id\s+)?([\w.:@-]+)");
        if (m.Success && !StopWords.Contains(m.Groups[1].Value))
        {
            var token = m.Groups[1].Value;
            return patients.FirstOrDefault(p => string.Equals(p.Id, token, StringComparison.OrdinalIgnoreCase))?.Id ?? token;
        }

        // A patient named in the question: the longest name that appears whole, then an id that does.
        var byName = patients.Where(p => p.Name.Length > 1 && Contains(text, p.Name.ToLowerInvariant())).OrderByDescending(p => p.Name.Length).FirstOrDefault();
        return byName?.Id ?? patients.Where(p => Contains(text, p.Id.ToLowerInvariant())).OrderByDescending(p => p.Id.Length).FirstOrDefault()?.Id;
    }

    private static string? Department(string text, IReadOnlyList<Known> departments)
    {
        foreach (var pattern in new[] { @"\b(?:ward|department|dept|unit)\s+([\w.:@-]+)", @"\b(?:in|on|at|of)\s+(?:the\s+)?([\w.:@-]+)\s+(?:ward|department|unit)\b" })
        {
            var m = Regex.Match(text, pattern);
            // "ward a" is ward A, so "a" is not a stop word here.
            if (m.Success && (m.Groups[1].Value == "a" || !StopWords.Contains(m.Groups[1].Value)))
            {
                var token = m.Groups[1].Value;
                var known = departments.FirstOrDefault(d => Same(d.Id, token) || Same(d.Name, token) || Same(d.Name, "ward " + token) || Same(d.Name, token + " ward"));
                return known?.Id ?? token;
            }
        }

        return departments.Where(d => Contains(text, d.Name.ToLowerInvariant()) || Contains(text, d.Id.ToLowerInvariant()))
            .OrderByDescending(d => d.Name.Length).FirstOrDefault()?.Id;
    }

    private static (string? Op, double? Threshold) Comparison(string text)
    {
        foreach (var (phrase, op) in ComparisonWords)
        {
            // "5 or more": the number comes first.
            var m = phrase.StartsWith("or ", StringComparison.Ordinal)
                ? Regex.Match(text, $@"(-?\d+(?:\.\d+)?)\s*{Regex.Escape(phrase)}(?![\w])")
                : Regex.Match(text, $@"(?<![\w]){Regex.Escape(phrase)}\s*(-?\d+(?:\.\d+)?)(?![\w.])");
            if (m.Success)
            {
                return (op, double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
            }
        }

        return (null, null);
    }

    private static (DateTimeOffset From, DateTimeOffset To, bool Named, string? Error) TimeRange(string text, DateTimeOffset now)
    {
        var last = LastRange().Match(text);
        if (last.Success)
        {
            var n = last.Groups[1].Value is "" or "a" or "an" or "one" ? 1 : int.Parse(last.Groups[1].Value, CultureInfo.InvariantCulture);
            var unit = last.Groups[2].Value switch
            {
                "minute" or "min" => TimeSpan.FromMinutes(1),
                "hour" or "hr" => TimeSpan.FromHours(1),
                "day" => TimeSpan.FromDays(1),
                _ => TimeSpan.FromDays(7),
            };
            if (n < 1 || n > 10_000 || unit * n > TimeSpan.FromDays(366))
            {
                return (default, default, false, "the time range must be between 1 minute and a year");
            }

            return (now - unit * n, now, true, null);
        }

        var midnight = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        if (text.Contains(" today ") || text.Contains(" this morning "))
        {
            return (midnight, now, true, null);
        }

        if (text.Contains(" yesterday "))
        {
            return (midnight.AddDays(-1), midnight, true, null);
        }

        var since = Regex.Match(text, @"\bsince\s+(\S+)");
        if (since.Success)
        {
            var token = since.Groups[1].Value;
            if (DateTimeOffset.TryParse(token, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) && token.Contains('-'))
            {
                return at.ToUniversalTime() < now ? (at.ToUniversalTime(), now, true, null) : (default, default, false, $"'since {token}' is not in the past");
            }

            var clock = Regex.Match(token, @"^(\d{1,2})(?::(\d{2}))?(am|pm)?$");
            if (clock.Success)
            {
                var hour = int.Parse(clock.Groups[1].Value, CultureInfo.InvariantCulture) % 24;
                hour += clock.Groups[3].Value == "pm" && hour < 12 ? 12 : 0;
                var minute = clock.Groups[2].Success ? int.Parse(clock.Groups[2].Value, CultureInfo.InvariantCulture) : 0;
                var start = midnight.AddHours(hour).AddMinutes(minute);
                return start <= now ? (start, now, true, null) : (start.AddDays(-1), now, true, null);
            }

            if (token == "midnight")
            {
                return (midnight, now, true, null);
            }

            return (default, default, false, $"'since {token}' is not a time Vigil reads (an ISO 8601 date-time, a date, or a UTC clock time such as 08:00)");
        }

        return (now - DefaultRange, now, false, null);
    }

    private static readonly HashSet<string> StopWords = ["with", "in", "on", "at", "of", "the", "a", "an", "whose", "who", "has", "have", "is", "and", "named", "called"];

    private static bool Same(string a, string b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    private static bool Contains(string text, string phrase) => Regex.IsMatch(text, $@"(?<![\w]){Regex.Escape(phrase)}(?![\w])");

    [GeneratedRegex(@"\b(?:last|past|previous)\s+(\d+|an?|one)?\s*(minute|min|hour|hr|day|week)s?\b")]
    private static partial Regex LastRange();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

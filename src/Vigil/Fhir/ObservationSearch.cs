using System.Globalization;
using Microsoft.Extensions.Primitives;
using Vigil.Domain;
using Vigil.Domain.Readings;
using Vigil.Storage.Readings;

namespace Vigil.Fhir;

/// <summary>
/// The search parameters Vigil takes on Observation (FHIR R4 search): <c>patient</c> (or <c>subject</c>), <c>code</c>
/// (tokens, comma-separated, with or without <c>http://loinc.org|</c>), <c>date</c> with the prefixes eq, ge, gt, le,
/// lt, <c>_count</c>, <c>_sort=date|-date</c>, and Vigil's own paging cursor <c>_cursor</c>.
/// </summary>
internal sealed record ObservationSearch(
    string PatientId, IReadOnlyCollection<VitalType>? Types, DateTimeOffset? From, DateTimeOffset? To, int Count, bool NewestFirst, ReadingCursor? Cursor)
{
    public const int DefaultCount = 100;
    public const int MaxCount = 1000;

    public static ObservationSearch? Parse(IQueryCollection query, List<Issue> issues, int defaultCount = DefaultCount, string countName = "_count", int maxCount = MaxCount)
    {
        var patient = First(query, "patient") ?? First(query, "subject");
        string? patientId = null;
        if (patient is null)
        {
            issues.Add(new Issue("error", "required", "the search needs a patient (patient=Patient/{id} or patient={id})", "patient"));
        }
        else
        {
            patientId = patient.StartsWith("Patient/", StringComparison.Ordinal) ? patient[8..] : patient;
        }

        var types = query.TryGetValue("code", out var codes) ? TypesOf(codes) : null;
        DateTimeOffset? from = null, to = null;
        foreach (var date in query["date"])
        {
            DateTimeOffset? low = null, high = null;
            string? error = "is empty";
            if (string.IsNullOrEmpty(date) || !TryRange(date, out low, out high, out error))
            {
                issues.Add(new Issue("error", "value", $"date '{date}': {error}", "date"));
                continue;
            }

            if (low is { } l && (from is null || l > from))
            {
                from = l;
            }

            if (high is { } h && (to is null || h < to))
            {
                to = h;
            }
        }

        var count = defaultCount;
        if (First(query, countName) is { } countText
            && (!int.TryParse(countText, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1 || count > maxCount))
        {
            issues.Add(new Issue("error", "value", $"{countName} must be a whole number from 1 to {maxCount}", countName));
        }

        var sort = First(query, "_sort");
        if (sort is not (null or "date" or "-date"))
        {
            issues.Add(new Issue("error", "not-supported", "_sort may be 'date' (oldest first, the default) or '-date' (newest first)", "_sort"));
        }

        ReadingCursor? cursor = null;
        if (First(query, "_cursor") is { } cursorText && (cursor = ReadingCursor.Parse(cursorText)) is null)
        {
            issues.Add(new Issue("error", "value", "_cursor is not a cursor this server returned", "_cursor"));
        }

        return issues.Count > 0 ? null : new ObservationSearch(patientId!, types, from, to, count, sort == "-date", cursor);
    }

    /// <summary>The vital types a code parameter names; a blood pressure panel names systolic and diastolic; unknown codes name none.</summary>
    private static HashSet<VitalType> TypesOf(StringValues values)
    {
        var types = new HashSet<VitalType>();
        foreach (var token in values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var bar = token.IndexOf('|');
            var (system, code) = bar < 0 ? (null, token) : (token[..bar], token[(bar + 1)..]);
            if (system == ObservationView.VigilTypes)
            {
                if (VitalTypes.TryGetByName(code, out var named))
                {
                    types.Add(named);
                }
            }
            else if (system is null or "" || FhirElement.IsLoinc(system))
            {
                if (ParsedObservation.PanelCodes.Contains(code))
                {
                    types.Add(VitalTypes.SystolicBp);
                    types.Add(VitalTypes.DiastolicBp);
                }
                else if (VitalTypes.TryGetByLoinc(code, out var coded))
                {
                    types.Add(coded);
                }
            }
        }

        return types;
    }

    /// <summary>
    /// A FHIR date parameter as a half-open range [low, high): the value's precision (year, month, day, instant)
    /// makes it a period, and the prefix takes the part of the time line before or after it.
    /// </summary>
    private static bool TryRange(string text, out DateTimeOffset? low, out DateTimeOffset? high, out string? error)
    {
        (low, high, error) = (null, null, null);
        var prefix = text.Length > 2 && char.IsAsciiLetterLower(text[0]) && char.IsAsciiLetterLower(text[1]) ? text[..2] : "eq";
        var value = prefix == "eq" && !text.StartsWith("eq", StringComparison.Ordinal) ? text : text[2..];
        DateTimeOffset start, end;
        if (value.Length == 4 && int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var year) && year >= 1)
        {
            start = new DateTimeOffset(year, 1, 1, 0, 0, 0, TimeSpan.Zero);
            end = start.AddYears(1);
        }
        else if (value.Length == 7 && DateTime.TryParseExact(value, "yyyy-MM", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var month))
        {
            start = new DateTimeOffset(month.Year, month.Month, 1, 0, 0, 0, TimeSpan.Zero);
            end = start.AddMonths(1);
        }
        else if (value.Length == 10 && DateTime.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var day))
        {
            start = new DateTimeOffset(day.Year, day.Month, day.Day, 0, 0, 0, TimeSpan.Zero);
            end = start.AddDays(1);
        }
        else if (EventTime.TryParse(value, DateTimeOffset.MaxValue - EventTime.MaxClockSkew, out var instant) is { } reason)
        {
            error = $"must be a FHIR date or date-time (YYYY, YYYY-MM, YYYY-MM-DD or a date-time with an offset): {reason}";
            return false;
        }
        else
        {
            start = instant;
            end = instant.AddTicks(10); // the next microsecond, the precision readings keep
        }

        switch (prefix)
        {
            case "eq":
                (low, high) = (start, end);
                return true;
            case "ge":
                low = start;
                return true;
            case "gt":
                low = end;
                return true;
            case "le":
                high = end;
                return true;
            case "lt":
                high = start;
                return true;
            default:
                error = $"the prefix '{prefix}' is not supported (eq, ge, gt, le, lt are)";
                return false;
        }
    }

    private static string? First(IQueryCollection query, string name) => query.TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;
}

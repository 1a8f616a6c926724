using System.Globalization;
using Vigil.Domain;

namespace Vigil.Api;

/// <summary>Small field checks shared by the reference-data endpoints; each adds a field error naming the rule.</summary>
public static class FieldRules
{
    public static string? Id(string? value, string field, List<FieldError> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (!Identifiers.IsValid(value))
        {
            errors.Add(new FieldError(null, field, Identifiers.Rule));
        }

        return value;
    }

    public static string Text(string? value, string field, int maxLength, List<FieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new FieldError(null, field, "is required"));
            return "";
        }

        if (value.Length > maxLength)
        {
            errors.Add(new FieldError(null, field, $"must be at most {maxLength} characters"));
        }

        return value.Trim();
    }

    public static string? OptionalText(string? value, string field, int maxLength, List<FieldError> errors) =>
        value is null ? null : Text(value, field, maxLength, errors);

    public static string? Date(string? value, string field, DateTimeOffset now, List<FieldError> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (!DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            errors.Add(new FieldError(null, field, "must be a date as YYYY-MM-DD"));
        }
        else if (date > DateOnly.FromDateTime(now.UtcDateTime.AddDays(1)) || date.Year < 1880)
        {
            errors.Add(new FieldError(null, field, "must be a real date of birth (not in the future, not before 1880)"));
        }

        return value;
    }

    public static string OneOf(string? value, string field, IReadOnlyList<string> allowed, string fallback, List<FieldError> errors)
    {
        if (value is null)
        {
            return fallback;
        }

        if (!allowed.Contains(value))
        {
            errors.Add(new FieldError(null, field, $"must be one of {string.Join(", ", allowed.Select(a => $"'{a}'"))}"));
        }

        return value;
    }

    /// <summary>A query bound (from, to): any past or future instant may bound a query, so only the format is checked.</summary>
    public static DateTimeOffset? QueryTime(string? text, string field, List<FieldError> errors)
    {
        if (text is null)
        {
            return null;
        }

        var error = EventTime.TryParse(text, DateTimeOffset.MaxValue - EventTime.MaxClockSkew, out var value);
        if (error is not null)
        {
            errors.Add(new FieldError(null, field, error));
            return null;
        }

        return value;
    }

    /// <summary>
    /// A page cursor that is a row's sequence number, as the list endpoints hand out in <c>nextCursor</c>: null when
    /// absent; anything else but a whole number adds an error on <c>cursor</c>.
    /// </summary>
    public static long? SeqCursor(string? cursor, List<FieldError> errors)
    {
        if (cursor is null)
        {
            return null;
        }

        if (long.TryParse(cursor, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seq))
        {
            return seq;
        }

        errors.Add(new FieldError(null, "cursor", "is not a cursor this API returned"));
        return null;
    }

    /// <summary>A page size from the query: <paramref name="fallback"/> when absent, else a whole number from 1 to <paramref name="max"/>.</summary>
    public static int Limit(string? text, List<FieldError> errors, int fallback = 100, int max = 1000)
    {
        if (text is null)
        {
            return fallback;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit < 1 || limit > max)
        {
            errors.Add(new FieldError(null, "limit", $"must be a whole number between 1 and {max}"));
        }

        return limit;
    }
}

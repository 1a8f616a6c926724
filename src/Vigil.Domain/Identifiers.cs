namespace Vigil.Domain;

/// <summary>Rules for client-chosen identifiers (reading, event, patient, device ids) and generated ones.</summary>
public static class Identifiers
{
    public const int MaxLength = 128;

    /// <summary>Letters, digits and <c>. _ - : @ |</c>; 1 to 128 characters. Keeps ids safe in URLs, logs and Kafka keys.</summary>
    public static bool IsValid(string? id)
    {
        if (string.IsNullOrEmpty(id) || id.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':' or '@' or '|'))
            {
                return false;
            }
        }

        return true;
    }

    public const string Rule = "must be 1 to 128 characters of letters, digits and . _ - : @ |";

    /// <summary>A new time-ordered id (UUID version 7), so generated ids index well.</summary>
    public static string New() => Guid.CreateVersion7().ToString("N");
}

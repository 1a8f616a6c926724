using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Vigil.Domain.Insights;

/// <summary>
/// Checks that every number in a text written from facts is one of the facts' numbers, at the precision the text
/// gives it (85.3 stands for 85.27; 86 does not stand for 85.4). Numbers inside words (NEWS2, SpO2) are not numbers.
/// Times count: their year, month, day, hour and minute are among the facts' numbers.
/// </summary>
public static partial class FactCheck
{
    /// <summary>The numbers of <paramref name="text"/> that are not among <paramref name="facts"/>; empty when the text holds none it may not.</summary>
    public static IReadOnlyList<string> Unsupported(string text, IEnumerable<double> facts)
    {
        var known = facts.ToList();
        var unsupported = new List<string>();
        foreach (Match m in Number().Matches(text))
        {
            var value = double.Parse(m.Value, CultureInfo.InvariantCulture);
            var decimals = m.Value.Contains('.') ? m.Value.Length - m.Value.IndexOf('.') - 1 : 0;
            if (!known.Any(f => Math.Abs(Math.Round(Math.Abs(f), Math.Min(decimals, 15), MidpointRounding.AwayFromZero) - value) < 1e-9))
            {
                unsupported.Add(m.Value);
            }
        }

        return unsupported;
    }

    /// <summary>
    /// Every number in the facts' JSON (values, counts, the parts of times) and the period's length in hours. Exact
    /// values only: a number already rounded (91.5 for 91.46) would let a second rounding (92) through.
    /// </summary>
    public static IEnumerable<double> NumbersOf(SummaryFacts facts)
    {
        var json = JsonSerializer.Serialize(facts, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        return AnyNumber().Matches(json).Select(m => double.Parse(m.Value, CultureInfo.InvariantCulture))
            .Append(Math.Round((facts.To - facts.From).TotalHours));
    }

    // A number not following a letter: "NEWS2" and "SpO2" hold none, "130mmHg" holds 130.
    [GeneratedRegex(@"(?<![\p{L}\d.])\d+(?:\.\d+)?")]
    private static partial Regex Number();

    // In the facts every digit run counts, the hour of "2026-11-21T14:30" too.
    [GeneratedRegex(@"\d+(?:\.\d+)?")]
    private static partial Regex AnyNumber();
}

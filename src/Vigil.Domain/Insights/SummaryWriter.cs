using System.Globalization;
using System.Text;

namespace Vigil.Domain.Insights;

/// <summary>
/// The deterministic summary text: a few plain sentences over <see cref="SummaryFacts"/>, the same facts always giving
/// the same text. Used when no LLM is configured, and whenever the LLM's text cannot be trusted.
/// </summary>
public static class SummaryWriter
{
    public static string Write(SummaryFacts f)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{f.PatientName} ({f.PatientId}), {Time(f.From)} to {Time(f.To)}.");
        if (f.Vitals.Count == 0)
        {
            text.Append(" No vital signs were recorded.");
        }

        foreach (var v in f.Vitals)
        {
            var name = Name(v.Type);
            var unit = v.Unit is null ? "" : " " + v.Unit;
            text.Append(' ').Append(char.ToUpperInvariant(name[0])).Append(name[1..]);
            text.Append(v.Readings == 1
                ? $" {N(v.Latest)}{unit} (1 reading)"
                : $" {N(v.Min)} to {N(v.Max)}{unit}, mean {N(v.Mean)}, latest {N(v.Latest)} ({v.Readings} readings)");
            if (v.Trend is { } t)
            {
                text.Append(t.Direction == "stable" ? ", stable" : $", {t.Direction} {N(Math.Abs(t.SlopePerHour))}{unit} per hour");
            }

            text.Append('.');
        }

        if (f.News2 is { } n)
        {
            text.Append(n.Changes == 0 || n.First.Score == n.Latest.Score && n.Highest.Score == n.Latest.Score
                ? $" NEWS2 {n.Latest.Score} ({n.Latest.Risk} risk)."
                : $" NEWS2 went from {n.First.Score} to {n.Latest.Score} ({n.Latest.Risk} risk), highest {n.Highest.Score}.");
        }
        else
        {
            text.Append(" No NEWS2 score.");
        }

        var a = f.Alerts;
        text.Append(a.Raised == 0
            ? " No alerts were raised"
            : $" {a.Raised} alert{(a.Raised == 1 ? " was" : "s were")} raised ({string.Join(", ", a.RaisedBySeverity.Select(s => $"{s.Value} {s.Key}"))})");
        text.Append(a.OpenNow == 0 ? "; none is open." : $"; {a.OpenNow} {(a.OpenNow == 1 ? "is" : "are")} open now.");
        if (f.Events.Count > 0)
        {
            text.Append(" Clinical events: ").Append(string.Join(", ", f.Events.Select(e => $"{e.Count} {e.Type.Replace('_', ' ')}"))).Append('.');
        }

        return text.ToString();
    }

    internal static string Name(string type) => type switch
    {
        "spo2" => "SpO2",
        "bmi" => "BMI",
        "systolic_bp" => "systolic blood pressure",
        "diastolic_bp" => "diastolic blood pressure",
        _ => type.Replace('_', ' '),
    };

    private static string N(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);
}

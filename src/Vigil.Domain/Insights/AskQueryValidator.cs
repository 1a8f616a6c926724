using Vigil.Domain.Readings;

namespace Vigil.Domain.Insights;

/// <summary>
/// Checks a structured query before Vigil runs it, whoever wrote it (the rule parser or an LLM): known intent, vital,
/// statistic, comparison and status; what the intent needs is there; a range that is in order and at most a year.
/// Fills in the defaults: a statistic over the last 24 hours, "open" alerts.
/// </summary>
public static class AskQueryValidator
{
    public static readonly TimeSpan MaxRange = TimeSpan.FromDays(366);

    public static (AskQuery? Query, string? Reason) Validate(AskQuery q, DateTimeOffset now)
    {
        if (!AskQuery.Intents.Contains(q.Intent))
        {
            return (null, $"intent '{q.Intent}' is not one of {string.Join(", ", AskQuery.Intents)}");
        }

        if (q.Vital is { } vital && vital != AskQuery.News2 && !(VitalTypes.TryGetByName(vital, out var type) && type.Kind == ValueKind.Quantity))
        {
            return (null, $"'{vital}' is not a vital sign with a numeric value, nor news2");
        }

        if (q.From is { } f && q.To is { } t && f >= t)
        {
            return (null, "the time range ends before it starts");
        }

        if (q.From is { } from && (q.To ?? now) - from > MaxRange)
        {
            return (null, "the time range is longer than a year");
        }

        switch (q.Intent)
        {
            case AskQuery.VitalStatistic:
                if (string.IsNullOrWhiteSpace(q.Patient) || q.Vital is null)
                {
                    return (null, "a statistic needs a patient and a vital");
                }

                var statistic = q.Statistic ?? "latest";
                if (!AskQuery.Statistics.Contains(statistic))
                {
                    return (null, $"statistic '{statistic}' is not one of {string.Join(", ", AskQuery.Statistics)}");
                }

                if (q.Vital == AskQuery.News2 && statistic is not ("latest" or "min" or "max"))
                {
                    return (null, "for NEWS2 Vigil answers the latest, lowest (min) and highest (max) score");
                }

                // The latest value needs no range; any other statistic looks back 24 hours unless told otherwise.
                if (statistic == "latest" && q.From is null && q.To is null)
                {
                    return (q with { Statistic = statistic }, null);
                }

                var end = q.To ?? now;
                return (q with { Statistic = statistic, From = q.From ?? end - QuestionParser.DefaultRange, To = end }, null);

            case AskQuery.PatientsWhere:
                if (q.Comparison is null || !AskQuery.Comparisons.Contains(q.Comparison) || q.Threshold is not { } threshold || !double.IsFinite(threshold))
                {
                    return (null, $"which patients: a comparison ({string.Join(" ", AskQuery.Comparisons)}) and a number are needed");
                }

                return (q with { Vital = q.Vital ?? AskQuery.News2, Patient = null, Statistic = null, Status = null }, null);

            default:
                var status = q.Status ?? "open";
                return AskQuery.AlertStatuses.Contains(status)
                    ? (q with { Status = status, Vital = null, Statistic = null, Comparison = null, Threshold = null }, null)
                    : (null, $"alert status '{status}' is not one of {string.Join(", ", AskQuery.AlertStatuses)}");
        }
    }
}

using System.Globalization;
using Vigil.Domain.Alerts;
using Vigil.Domain.Insights;
using Vigil.Domain.Readings;
using Vigil.Domain.Reference;
using Vigil.Domain.Windows;
using Vigil.Processing.Analysis;
using Vigil.Storage;
using Vigil.Storage.Alerts;
using Vigil.Storage.Readings;
using Vigil.Storage.Reference;

namespace Vigil.Insights.Questions;

/// <summary>What a question got: an answer in words with the data behind it, or why it could not be answered.</summary>
public sealed record AskResult(bool Answered, string? Answer, string? Reason, object? Data)
{
    public static AskResult No(string reason) => new(false, null, reason, null);
}

/// <summary>
/// Runs a validated <see cref="AskQuery"/> for one customer against the stored aggregates, NEWS2 scores, readings and
/// alerts. Every look-up names the customer, so a question about another customer's patient finds nothing.
/// </summary>
public sealed class QuestionAnswerer(IDatabase db, ReferenceStore reference, WindowStore windows, ReadingStore readings, AlertStore alerts)
{
    /// <summary>How many of a customer's patients a question looks through at most.</summary>
    public const int MaxPatients = 5000;

    private const int MaxAlerts = 500;

    /// <summary>A patient that meets a <c>patients_where</c> condition, with the value that does.</summary>
    public sealed record PatientMatch(string PatientId, string Name, string? DepartmentId, double Value, string? Risk, DateTimeOffset At);

    public async Task<AskResult> RunAsync(string tenant, AskQuery q, DateTimeOffset now, CancellationToken cancellationToken) => q.Intent switch
    {
        AskQuery.VitalStatistic => await VitalStatisticAsync(tenant, q, now, cancellationToken),
        AskQuery.PatientsWhere => await PatientsWhereAsync(tenant, q, now, cancellationToken),
        _ => await AlertsAsync(tenant, q, cancellationToken),
    };

    /// <summary>The customer's patients and departments the rule parser may recognise by name.</summary>
    public async Task<(IReadOnlyList<QuestionParser.Known> Patients, IReadOnlyList<QuestionParser.Known> Departments)> KnownAsync(string tenant)
    {
        var patients = await PatientsAsync(tenant, null, null);
        var departments = await reference.ListDepartmentsAsync(tenant);
        return ([.. patients.Select(p => new QuestionParser.Known(p.Id, p.Name))], [.. departments.Select(d => new QuestionParser.Known(d.Id, d.Name))]);
    }

    private async Task<AskResult> VitalStatisticAsync(string tenant, AskQuery q, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (patient, why) = await ResolvePatientAsync(tenant, q.Patient!);
        if (patient is null)
        {
            return AskResult.No(why!);
        }

        var who = $"{patient.Name} ({patient.Id})";
        var range = q.From is { } from ? $"from {Time(from)} to {Time(q.To ?? now)}" : "";
        if (q.Vital == AskQuery.News2)
        {
            return await News2StatisticAsync(tenant, patient, who, q, range, cancellationToken);
        }

        VitalTypes.TryGetByName(q.Vital!, out var vital);
        var name = vital.Name.Replace('_', ' ');
        if (q.Statistic == "latest" && q.From is null)
        {
            var latest = (await readings.LatestAsync(tenant, patient.Id, cancellationToken)).FirstOrDefault(r => r.Reading.Type == vital);
            return latest?.Reading.Value is { } value
                ? new AskResult(true, $"The latest {name} of {who} is {Number(value)} {vital.Unit}, at {Time(latest.Reading.ObservedAt)}.", null,
                    new { patientId = patient.Id, vital = vital.Name, unit = vital.Unit, value, at = latest.Reading.ObservedAt })
                : AskResult.No($"{who} has no {name} readings");
        }

        var end = q.To ?? now;
        var start = q.From!.Value;
        // Windows small enough to bound the range to the minute over a few hours, large enough to stay few over weeks.
        var size = end - start <= TimeSpan.FromHours(6) ? WindowSize.OneMinute : end - start <= TimeSpan.FromDays(3) ? WindowSize.FiveMinutes : WindowSize.OneHour;
        var series = (await windows.QueryAsync(tenant, patient.Id, vital, size, start, end, cancellationToken)).Where(w => w.Count > 0).ToList();
        if (series.Count == 0)
        {
            return AskResult.No($"{who} has no {name} readings {range}");
        }

        var count = series.Sum(w => w.Count);
        var basis = new { patientId = patient.Id, vital = vital.Name, unit = vital.Unit, from = start, to = end, window = size.Name, readings = count };
        switch (q.Statistic)
        {
            case "trend":
                var trendWindows = end - start <= TimeSpan.FromDays(1) && size != WindowSize.OneHour
                    ? await windows.QueryAsync(tenant, patient.Id, vital, WindowSize.FiveMinutes, start, end, cancellationToken)
                    : series;
                var trend = TrendLine.Fit([.. trendWindows.Where(w => w.Count > 0).Select(w => new TrendPoint(w.Start + w.Size.Length / 2, w.Mean, w.Count))]);
                if (trend is null)
                {
                    return AskResult.No($"{who} has too few {name} readings {range} for a trend (at least {TrendLine.MinimumPoints} windows)");
                }

                var direction = trend.SlopeLow > 0 ? "rising" : trend.SlopeHigh < 0 ? "falling" : "not clearly changing";
                return new AskResult(true,
                    $"The {name} of {who} is {direction} {range}: {Signed(trend.SlopePerHour)} {vital.Unit} per hour (95% interval {Signed(trend.SlopeLow)} to {Signed(trend.SlopeHigh)}, {trend.Points} windows).",
                    null, new { basis, direction, trend.SlopePerHour, trend.SlopeLow, trend.SlopeHigh, trend.Points, trend.RSquared });
            case "count":
                return new AskResult(true, $"{who} has {count} {name} readings {range}.", null, new { basis, value = count });
        }

        var (label, result) = q.Statistic switch
        {
            "average" => ("average", series.Sum(w => w.Sum) / count),
            "min" => ("lowest", series.Min(w => w.Min)),
            "max" => ("highest", series.Max(w => w.Max)),
            _ => ("latest", series.MaxBy(w => w.LastAt)!.Last),
        };
        return new AskResult(true, $"The {label} {name} of {who} {range} was {Number(result)} {vital.Unit} ({count} readings).", null,
            new { basis, statistic = q.Statistic, value = Math.Round(result, 2) });
    }

    private async Task<AskResult> News2StatisticAsync(string tenant, Patient patient, string who, AskQuery q, string range, CancellationToken cancellationToken)
    {
        if (q.Statistic == "latest" && q.From is null)
        {
            var latest = await News2ScoreStore.LatestAsync(db, tenant, patient.Id, cancellationToken);
            return latest is null
                ? AskResult.No($"{who} has no NEWS2 score yet")
                : new AskResult(true, $"The latest NEWS2 of {who} is {latest.Score} ({latest.Risk} risk), at {Time(Domain.EventTime.FromMicros(latest.At))}.", null,
                    new { patientId = patient.Id, score = latest.Score, risk = latest.Risk, at = Domain.EventTime.FromMicros(latest.At) });
        }

        var history = await News2ScoreStore.HistoryAsync(db, tenant, patient.Id, q.From, q.To, 10_000, cancellationToken);
        if (history.Count == 0)
        {
            return AskResult.No($"{who} has no NEWS2 score {range}");
        }

        var pick = q.Statistic switch
        {
            "min" => history.MinBy(h => h.Score)!,
            "max" => history.MaxBy(h => h.Score)!,
            _ => history[0],
        };
        var label = q.Statistic switch { "min" => "lowest", "max" => "highest", _ => "latest" };
        return new AskResult(true, $"The {label} NEWS2 of {who} {range} was {pick.Score} ({pick.Risk} risk), at {Time(Domain.EventTime.FromMicros(pick.At))}.", null,
            new { patientId = patient.Id, statistic = q.Statistic, score = pick.Score, risk = pick.Risk, at = Domain.EventTime.FromMicros(pick.At), scores = history.Count });
    }

    private async Task<AskResult> PatientsWhereAsync(string tenant, AskQuery q, DateTimeOffset now, CancellationToken cancellationToken)
    {
        Department? department = null;
        if (q.Department is { } name)
        {
            department = await ResolveDepartmentAsync(tenant, name);
            if (department is null)
            {
                return AskResult.No($"there is no department '{name}'");
            }
        }

        var condition = $"{(q.Vital == AskQuery.News2 ? "NEWS2" : q.Vital!.Replace('_', ' '))} {q.Comparison} {Number(q.Threshold!.Value)}";
        var matches = new List<PatientMatch>();
        var patients = await PatientsAsync(tenant, department?.Id, "active");
        foreach (var p in patients)
        {
            if (q.Vital == AskQuery.News2)
            {
                if (await News2ScoreStore.LatestAsync(db, tenant, p.Id, cancellationToken) is { } score && q.Compare(score.Score))
                {
                    matches.Add(new PatientMatch(p.Id, p.Name, p.DepartmentId, score.Score, score.Risk, Domain.EventTime.FromMicros(score.At)));
                }

                continue;
            }

            // The latest value of the last 24 hours, from the hourly windows' last readings.
            VitalTypes.TryGetByName(q.Vital, out var vital);
            var hourly = await windows.QueryAsync(tenant, p.Id, vital, WindowSize.OneHour, now - QuestionParser.DefaultRange, null, cancellationToken);
            if (hourly.Where(w => w.Count > 0).MaxBy(w => w.LastAt) is { } last && q.Compare(last.Last))
            {
                matches.Add(new PatientMatch(p.Id, p.Name, p.DepartmentId, last.Last, null, last.LastAt));
            }
        }

        var where = department is null ? "" : $" in {department.Name}";
        var answer = matches.Count == 0
            ? $"No active patient{where} has {condition}."
            : $"{matches.Count} active patient{(matches.Count == 1 ? "" : "s")}{where} {(matches.Count == 1 ? "has" : "have")} {condition}: "
              + string.Join(", ", matches.Select(m => $"{m.Name} ({m.PatientId})")) + ".";
        return new AskResult(true, answer, null, new { departmentId = department?.Id, patientsChecked = patients.Count, patients = matches });
    }

    private async Task<AskResult> AlertsAsync(string tenant, AskQuery q, CancellationToken cancellationToken)
    {
        Department? department = null;
        if (q.Department is { } name && (department = await ResolveDepartmentAsync(tenant, name)) is null)
        {
            return AskResult.No($"there is no department '{name}'");
        }

        Patient? patient = null;
        if (q.Patient is { } who)
        {
            (patient, var why) = await ResolvePatientAsync(tenant, who);
            if (patient is null)
            {
                return AskResult.No(why!);
            }
        }

        var page = await alerts.ListAsync(tenant, new AlertStore.Query(patient?.Id, q.Status, null, null, q.From, q.To, null, MaxAlerts), cancellationToken);
        // An alert carries the department its patient was in when it was raised.
        var items = page.Items.Where(a => department is null || a.DepartmentId == department.Id).ToList();
        var scope = (patient, department) switch
        {
            ({ } p, _) => $" for {p.Name} ({p.Id})",
            (_, { } d) => $" in {d.Name}",
            _ => "",
        };
        var status = q.Status == "open" ? "open (active or acknowledged)" : q.Status;
        var answer = items.Count == 0
            ? $"There are no {status} alerts{scope}."
            : $"There {(items.Count == 1 ? "is 1" : $"are {items.Count}")} {status} alert{(items.Count == 1 ? "" : "s")}{scope}: "
              + string.Join("; ", items.Take(10).Select(a => $"{a.Severity} {a.Rule} for {a.PatientId}")) + (items.Count > 10 ? "; ..." : "") + ".";
        return new AskResult(true, answer, null, new
        {
            departmentId = department?.Id, patientId = patient?.Id, count = items.Count,
            alerts = items.Select(a => new { a.Id, a.PatientId, a.DepartmentId, a.Rule, a.Severity, a.Status, a.Message, a.CreatedAt }),
        });
    }

    /// <summary>A patient by id, MRN or name (case-insensitive); a name two patients share is refused.</summary>
    private async Task<(Patient? Patient, string? Why)> ResolvePatientAsync(string tenant, string text)
    {
        if (await reference.GetPatientAsync(tenant, text) is { } byId)
        {
            return (byId, null);
        }

        if (await reference.FindPatientIdByMrnAsync(tenant, text) is { } id && await reference.GetPatientAsync(tenant, id) is { } byMrn)
        {
            return (byMrn, null);
        }

        var named = (await PatientsAsync(tenant, null, null)).Where(p => string.Equals(p.Name, text, StringComparison.OrdinalIgnoreCase)
            || string.Equals(p.Id, text, StringComparison.OrdinalIgnoreCase)).ToList();
        return named.Count switch
        {
            1 => (named[0], null),
            0 => (null, $"there is no patient '{text}'"),
            _ => (null, $"{named.Count} patients are called '{text}'; ask by patient id ({string.Join(", ", named.Select(p => p.Id))})"),
        };
    }

    private async Task<Department?> ResolveDepartmentAsync(string tenant, string text)
    {
        if (await reference.GetDepartmentAsync(tenant, text) is { } byId)
        {
            return byId;
        }

        var bare = text.StartsWith("ward ", StringComparison.OrdinalIgnoreCase) ? text[5..] : text;
        return (await reference.ListDepartmentsAsync(tenant)).FirstOrDefault(d =>
            new[] { d.Id, d.Name }.Any(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase) || string.Equals(n, bare, StringComparison.OrdinalIgnoreCase)
                || string.Equals(n, "ward " + bare, StringComparison.OrdinalIgnoreCase)));
    }

    private async Task<IReadOnlyList<Patient>> PatientsAsync(string tenant, string? departmentId, string? status)
    {
        var all = new List<Patient>();
        string? after = null;
        while (all.Count < MaxPatients)
        {
            var page = await reference.ListPatientsAsync(tenant, departmentId, status, after, 1000);
            all.AddRange(page);
            if (page.Count < 1000)
            {
                break;
            }

            after = page[^1].Id;
        }

        return all;
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture);

    internal static string Number(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);

    private static string Signed(double v) => (v >= 0 ? "+" : "") + Math.Round(v, 2).ToString("0.##", CultureInfo.InvariantCulture);
}

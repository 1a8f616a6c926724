using System.Globalization;
using Vigil.Domain.Insights;
using Vigil.Domain.Simulation;
using Vigil.Evaluation;

// Usage: dotnet run -c Release --project bench/Vigil.Evaluation [-- patientsPerGroup]
// Every patient is simulated for one day, a round of readings every 15 s, seeds fixed: the output is the same on every run.
var perGroup = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
var day = TimeSpan.FromDays(1);
var interval = TimeSpan.FromSeconds(15);
// Deteriorating courses start after four hours, so the baselines are warm; onset follows 15 minutes later (CourseTiming.Ward).
var courseStart = start.AddHours(4);
var onset = courseStart + CourseTiming.Ward.Onset;
(string Name, double K, int Minutes)[] variants =
[
    ("anomaly k=4 m=5 (default)", AnomalyDefaults.K, AnomalyDefaults.Minutes),
    ("anomaly k=3 m=5", 3, 5),
    ("anomaly k=5 m=5", 5, 5),
    ("anomaly k=4 m=10", 4, 10),
    ("anomaly k=4 m=2", 4, 2),
];

// A group is a course per patient index and a baseline draw. Groups keep their seeds when others are added after them.
var groups = new (string Name, Func<int, string> Course, Func<Random, Baseline> Draw)[]
{
    ("stable", _ => Scenario.Stable, Baseline.Draw),
    ("atypical (stable, unusual normal)", _ => Scenario.Stable, Baseline.DrawAtypical),
    ("sepsis", _ => Scenario.Sepsis, Baseline.Draw),
    ("hypoxia", _ => Scenario.Hypoxia, Baseline.Draw),
    ("bradycardia", _ => Scenario.Bradycardia, Baseline.Draw),
    ("disconnect (monitor silent from onset)", _ => Scenario.Disconnect, Baseline.Draw),
    ("mixed ward", i => Scenario.ForPatient(Scenario.Mixed, i), Baseline.Draw),
};
string[] deteriorations = [Scenario.Sepsis, Scenario.Hypoxia, Scenario.Bradycardia];

Console.WriteLine($"Patients per group: {perGroup}; one simulated day each, a round every {interval.TotalSeconds:0} s; deteriorating courses start at 04:00, onset 04:15, worst at 06:15.");
Console.WriteLine();
Console.WriteLine("| group | rules | alerts per patient-day | alerts before onset per patient-day | patients detected | detection delay after onset, median (min-max) |");
Console.WriteLine("|---|---|---|---|---|---|");
for (var g = 0; g < groups.Length; g++)
{
    var (name, courseOf, draw) = groups[g];
    var results = Enumerable.Range(0, perGroup).AsParallel().AsOrdered().Select(i =>
    {
        var course = courseOf(i);
        var patient = new SimulatedPatient($"{course}-{i}", SimulatedWard.PatientSeed(2026 + g, i), course, courseStart, CourseTiming.Ward, draw);
        return (Course: course, Result: PatientRun.Run(patient, start, day, interval, variants));
    }).ToList();

    var families = new List<(string Rules, Func<PatientRun.Result, RuleFamily> Pick)>
    {
        ("fixed thresholds (defaults)", r => r.Thresholds),
        ("NEWS2 (medium or high risk)", r => r.News2),
    };
    families.AddRange(variants.Select((v, i) => (v.Name, (Func<PatientRun.Result, RuleFamily>)(r => r.Anomaly[i]))));
    var deteriorating = results.Count(r => deteriorations.Contains(r.Course));
    var onCourse = results.Any(r => r.Course != Scenario.Stable);
    foreach (var (rules, pick) in families)
    {
        var raises = results.Select(r => pick(r.Result).Raises).ToList();
        var perDay = raises.Sum(r => r.Count) / (double)perGroup;
        var beforeOnsetHours = (onset - start).TotalHours;
        var before = raises.Sum(r => r.Count(x => x.At < onset)) / (perGroup * beforeOnsetHours / 24);
        var delays = results.Where(r => deteriorations.Contains(r.Course))
            .Select(r => pick(r.Result).Raises.Where(x => x.At >= onset).Select(x => (x.At - onset).TotalMinutes).DefaultIfEmpty(double.NaN).Min())
            .Where(d => !double.IsNaN(d)).OrderBy(d => d).ToList();
        var detected = deteriorating > 0 ? $"{delays.Count}/{deteriorating}" : "";
        var delay = deteriorating > 0 && delays.Count > 0
            ? $"{delays[delays.Count / 2]:0} ({delays[0]:0}-{delays[^1]:0})"
            : deteriorating > 0 ? "none" : "";
        var beforeText = onCourse ? before.ToString("0.00", CultureInfo.InvariantCulture) : "";
        if (Environment.GetEnvironmentVariable("EVAL_BY_RULE") == "1")
        {
            Console.Error.WriteLine($"{name} / {rules}: " + string.Join(", ", raises.SelectMany(r => r).GroupBy(x => x.Rule).Select(x => $"{x.Key} {x.Count()} at {string.Join(" ", x.Take(8).Select(y => y.At.ToString("HH:mm")))}")));
        }

        Console.WriteLine($"| {name} | {rules} | {perDay.ToString("0.00", CultureInfo.InvariantCulture)} | {beforeText} | {detected} | {delay} |");
    }
}

namespace Vigil.Domain.Insights;

/// <summary>
/// What a patient summary says, as structured facts over [<see cref="From"/>, <see cref="To"/>): each vital's range,
/// mean, latest value and trend, the NEWS2 course, alerts raised and still open, and clinical events by type. Both
/// writers write from these facts alone.
/// </summary>
public sealed record SummaryFacts(
    string PatientId, string PatientName, string? DepartmentId, DateTimeOffset From, DateTimeOffset To,
    IReadOnlyList<VitalFact> Vitals, News2Course? News2, AlertFacts Alerts, IReadOnlyList<EventCount> Events);

/// <summary>One vital over the period: readings, lowest, highest, mean, the latest value and its time, and the trend when there are enough windows.</summary>
public sealed record VitalFact(
    string Type, string? Unit, long Readings, double Min, double Max, double Mean, double Latest, DateTimeOffset LatestAt, VitalTrend? Trend);

/// <summary>A vital's trend: slope per hour with its 95% interval, and the word for it (rising, falling, stable).</summary>
public sealed record VitalTrend(string Direction, double SlopePerHour, double SlopeLow, double SlopeHigh, int Points)
{
    public static VitalTrend From(Trend trend) => new(
        trend.SlopeLow > 0 ? "rising" : trend.SlopeHigh < 0 ? "falling" : "stable",
        Math.Round(trend.SlopePerHour, 2), Math.Round(trend.SlopeLow, 2), Math.Round(trend.SlopeHigh, 2), trend.Points);
}

/// <summary>The NEWS2 scores of the period: the first, the latest and the highest, and how many times it changed.</summary>
public sealed record News2Course(News2Point First, News2Point Latest, News2Point Highest, int Changes);

public sealed record News2Point(int Score, string Risk, DateTimeOffset At);

/// <summary>Alerts raised in the period (by severity) and the patient's alerts open now, whenever raised.</summary>
public sealed record AlertFacts(int Raised, IReadOnlyDictionary<string, int> RaisedBySeverity, int OpenNow, IReadOnlyList<AlertFact> Items);

public sealed record AlertFact(string Rule, string Severity, string Status, string Message, DateTimeOffset CreatedAt);

public sealed record EventCount(string Type, int Count);

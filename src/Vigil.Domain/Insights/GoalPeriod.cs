namespace Vigil.Domain.Insights;

/// <summary>The stretch of time a goal's progress is computed over: the current UTC day, or the last 7 UTC days including today.</summary>
public sealed record GoalPeriod(string Name, int Days)
{
    public static readonly GoalPeriod Day = new("day", 1);

    public static readonly GoalPeriod Week = new("week", 7);

    public static IReadOnlyList<GoalPeriod> All { get; } = [Day, Week];

    public static bool TryGet(string? name, out GoalPeriod period)
    {
        period = All.FirstOrDefault(p => p.Name == name)!;
        return period is not null;
    }

    /// <summary>[from, to) of the period that contains <paramref name="now"/>: from the start of the first UTC day to the end of today.</summary>
    public (DateTimeOffset From, DateTimeOffset To) Bounds(DateTimeOffset now)
    {
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return (today.AddDays(1 - Days), today.AddDays(1));
    }
}

namespace Vigil.Domain.Windows;

/// <summary>
/// The length of a tumbling window: 1 minute, 5 minutes or 1 hour. <see cref="Name"/> is the stored and wire form.
/// </summary>
public sealed record WindowSize
{
    public static readonly WindowSize OneMinute = new("1m", TimeSpan.FromMinutes(1));

    public static readonly WindowSize FiveMinutes = new("5m", TimeSpan.FromMinutes(5));

    public static readonly WindowSize OneHour = new("1h", TimeSpan.FromHours(1));

    /// <summary>Every size Vigil aggregates, shortest first: each reading updates one window of each.</summary>
    public static IReadOnlyList<WindowSize> All { get; } = [OneMinute, FiveMinutes, OneHour];

    private WindowSize(string name, TimeSpan length)
    {
        Name = name;
        Length = length;
        Micros = length.Ticks / TimeSpan.TicksPerMicrosecond;
    }

    public string Name { get; }

    public TimeSpan Length { get; }

    /// <summary>The length in microseconds, the unit event times are kept in.</summary>
    public long Micros { get; }

    public static bool TryGetByName(string name, out WindowSize size)
    {
        size = All.FirstOrDefault(s => s.Name == name)!;
        return size is not null;
    }

    public override string ToString() => Name;
}

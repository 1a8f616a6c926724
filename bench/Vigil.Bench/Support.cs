using System.Globalization;

namespace Vigil.Bench;

/// <summary>A benchmark failure: printed as FAILED and the process exits 1.</summary>
public sealed class BenchException(string message) : Exception(message);

/// <summary><c>--name value</c> options after the mode.</summary>
public sealed class Options
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public static (string Mode, Options Options) Parse(string[] args)
    {
        var options = new Options();
        if (args.Length == 0)
        {
            return ("", options);
        }

        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new BenchException($"expected '--name value', got '{args[i]}'");
            }

            options._values[args[i][2..]] = args[++i];
        }

        return (args[0], options);
    }

    public string Get(string name) =>
        _values.TryGetValue(name, out var v) ? v : throw new BenchException($"--{name} is required");

    public string Get(string name, string fallback) => _values.GetValueOrDefault(name, fallback);

    public int Int(string name, int fallback) =>
        _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : fallback;
}

/// <summary>Latency percentiles over recorded samples (milliseconds).</summary>
public static class Percentiles
{
    public static double Of(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];
}

/// <summary>Results are printed as one <c>BENCH key=value ...</c> line that run.sh parses.</summary>
public static class Report
{
    public static void Line(string kind, params (string Key, object Value)[] values) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"BENCH {kind} {string.Join(' ', values.Select(v => FormattableString.Invariant($"{v.Key}={Format(v.Value)}")))}"));

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}

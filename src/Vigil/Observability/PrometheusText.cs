using System.Globalization;
using System.Text;

namespace Vigil.Observability;

/// <summary>
/// The Prometheus text exposition format, version 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats): a HELP
/// and a TYPE line per metric, then one line per series; a histogram has cumulative <c>_bucket</c> lines up to
/// <c>le="+Inf"</c>, <c>_sum</c> and <c>_count</c>.
/// </summary>
public static class PrometheusText
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    public static void Write(TextWriter output, MetricDefinition metric, IEnumerable<KeyValuePair<LabelValues, MetricSeries>> series)
    {
        var rows = series.Select(s => (Labels: Labels(metric, s.Key), s.Value)).OrderBy(s => s.Labels, StringComparer.Ordinal).ToList();
        if (rows.Count == 0)
        {
            return;
        }

        output.Write($"# HELP {metric.Name} {EscapeHelp(metric.Help)}\n");
        output.Write($"# TYPE {metric.Name} {metric.Kind.ToString().ToLowerInvariant()}\n");
        foreach (var (labels, value) in rows)
        {
            if (metric.Kind != MetricKind.Histogram)
            {
                output.Write($"{metric.Name}{Braces(labels)} {Number(value.Value)}\n");
                continue;
            }

            long cumulative = 0;
            var bounds = metric.Buckets!;
            for (var i = 0; i <= bounds.Length; i++)
            {
                cumulative += value.BucketCount(i);
                var le = i < bounds.Length ? Number(bounds[i]) : "+Inf";
                output.Write($"{metric.Name}_bucket{Braces(Join(labels, $"le=\"{le}\""))} {cumulative.ToString(CultureInfo.InvariantCulture)}\n");
            }

            output.Write($"{metric.Name}_sum{Braces(labels)} {Number(value.Value)}\n");
            output.Write($"{metric.Name}_count{Braces(labels)} {value.Count.ToString(CultureInfo.InvariantCulture)}\n");
        }
    }

    private static string Labels(MetricDefinition metric, LabelValues values)
    {
        var text = new StringBuilder();
        for (var i = 0; i < metric.LabelNames.Length; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            var value = Convert.ToString(values[i], CultureInfo.InvariantCulture) ?? "";
            text.Append(metric.LabelNames[i]).Append("=\"").Append(EscapeLabel(value)).Append('"');
        }

        return text.ToString();
    }

    private static string Join(string labels, string more) => labels.Length == 0 ? more : labels + "," + more;

    private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

    public static string Number(double value) => value switch
    {
        double.PositiveInfinity => "+Inf",
        double.NegativeInfinity => "-Inf",
        double.NaN => "NaN",
        _ => value.ToString("R", CultureInfo.InvariantCulture),
    };

    /// <summary>In a label value a backslash, a double quote and a line feed are escaped.</summary>
    public static string EscapeLabel(string value) => value.Replace("\\", @"\\").Replace("\"", "\\\"").Replace("\n", @"\n");

    /// <summary>In help text a backslash and a line feed are escaped.</summary>
    private static string EscapeHelp(string value) => value.Replace("\\", @"\\").Replace("\n", @"\n");
}

using Vigil.Observability;

namespace Vigil.Tests.Observability;

/// <summary>The exposition writer's escaping and histogram lines, checked by Debian's promtool as well as by value.</summary>
public sealed class PrometheusTextTests
{
    [Fact]
    public async Task Label_values_with_quotes_backslashes_and_line_feeds_are_escaped_and_histograms_are_cumulative()
    {
        var counter = new MetricDefinition("test", "t.c", "vigil_test_events_total", MetricKind.Counter, "Help with a \\ backslash\nand a line feed.", ["kind"]);
        var series = new MetricSeries(null);
        series.Add(2);
        series.Add(0.5);
        var histogram = new MetricDefinition("test", "t.h", "vigil_test_duration_seconds", MetricKind.Histogram, "A histogram.", ["stage"], [0.1, 1]);
        var observed = new MetricSeries(histogram.Buckets);
        foreach (var v in new[] { 0.05, 0.1, 0.5, 7 })
        {
            observed.Observe(v, histogram.Buckets!);
        }

        var text = new StringWriter { NewLine = "\n" };
        PrometheusText.Write(text, counter, [new(new LabelValues("a \"quoted\" \\ value\nwith a line feed", null, null, null), series)]);
        PrometheusText.Write(text, histogram, [new(new LabelValues("enrich", null, null, null), observed)]);
        var written = text.ToString();

        written.ShouldContain("# HELP vigil_test_events_total Help with a \\\\ backslash\\nand a line feed.\n");
        written.ShouldContain("vigil_test_events_total{kind=\"a \\\"quoted\\\" \\\\ value\\nwith a line feed\"} 2.5\n");
        written.ShouldContain("vigil_test_duration_seconds_bucket{stage=\"enrich\",le=\"0.1\"} 2\n");
        written.ShouldContain("vigil_test_duration_seconds_bucket{stage=\"enrich\",le=\"1\"} 3\n");
        written.ShouldContain("vigil_test_duration_seconds_bucket{stage=\"enrich\",le=\"+Inf\"} 4\n");
        written.ShouldContain("vigil_test_duration_seconds_sum{stage=\"enrich\"} 7.65\n");
        written.ShouldContain("vigil_test_duration_seconds_count{stage=\"enrich\"} 4\n");
        var (exit, output) = await PrometheusTools.CheckMetricsAsync(written);
        exit.ShouldBe(0, output);
    }
}

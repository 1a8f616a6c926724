using System.Globalization;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Observability;

/// <summary>One read of <c>/metrics</c>: the text as served and its samples by series ("name{labels}" as written).</summary>
public sealed class Scrape
{
    private Scrape(string text)
    {
        Text = text;
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            Samples[line[..space]] = double.Parse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }

    public string Text { get; }

    public Dictionary<string, double> Samples { get; } = [];

    /// <summary>A series' value, 0 when it is not there (a counter that never moved).</summary>
    public double this[string series] => Samples.GetValueOrDefault(series);

    public IEnumerable<string> Series(string name) => Samples.Keys.Where(k => k == name || k.StartsWith(name + "{", StringComparison.Ordinal));

    public static async Task<Scrape> ReadAsync(VigilServer server)
    {
        using var client = server.Client();
        using var response = await client.GetAsync("/metrics", Http.Ct);
        response.EnsureSuccessStatusCode();
        response.Content.Headers.ContentType!.ToString().ShouldBe("text/plain; version=0.0.4; charset=utf-8");
        return new Scrape(await response.Content.ReadAsStringAsync(Http.Ct));
    }
}

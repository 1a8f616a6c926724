using System.Net;
using System.Text;
using System.Text.Json;

namespace Vigil.Bench;

/// <summary>What the load modes share: loopback-only clients with the API key, and reading Vigil's 202 answer.</summary>
public static class VigilHttp
{
    /// <summary>The readings endpoint of <paramref name="baseUrl"/>, which must be a loopback address.</summary>
    public static Uri ReadingsUrl(string baseUrl) => new(Loopback(baseUrl), "/api/v1/readings");

    public static Uri Loopback(string url)
    {
        var uri = new Uri(url);
        if (!IPAddress.TryParse(uri.Host, out var ip) || !IPAddress.IsLoopback(ip))
        {
            throw new BenchException($"{uri.Host} is not a loopback address: the benchmark only sends traffic to 127.0.0.1");
        }

        return uri;
    }

    /// <summary>A client with its own pool of at most <paramref name="connections"/> kept-alive connections.</summary>
    public static HttpClient Create(string key, int connections, TimeSpan timeout)
    {
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
        };
        var http = new HttpClient(handler, disposeHandler: true) { Timeout = timeout };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }

    public static async Task<string> ReadKeyAsync(Options options) => (await File.ReadAllTextAsync(options.Get("key-file"))).Trim();

    /// <summary>"accepted" and "duplicates" of the 202 body (Vigil's IngestRequest.Response, camelCase).</summary>
    public static (long Accepted, long Duplicates) ReadCounts(byte[] body)
    {
        var reader = new Utf8JsonReader(body);
        long accepted = -1, duplicates = -1;
        try
        {
            while (reader.Read() && (accepted < 0 || duplicates < 0))
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
                {
                    var name = reader.GetString();
                    reader.Read();
                    if (name == "accepted")
                    {
                        accepted = reader.GetInt64();
                    }
                    else if (name == "duplicates")
                    {
                        duplicates = reader.GetInt64();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
        }
        catch (JsonException e)
        {
            throw new BenchException($"the 202 body is not the expected JSON: {e.Message}");
        }

        return (accepted, duplicates);
    }

    /// <summary>Fails unless the answer is a 202 that accepted all <paramref name="expected"/> readings as new.</summary>
    public static void RequireAccepted(Uri url, HttpStatusCode status, byte[] body, int expected)
    {
        if (status != HttpStatusCode.Accepted)
        {
            throw new BenchException($"POST {url} answered {(int)status}: {Truncate(Encoding.UTF8.GetString(body))}");
        }

        var (accepted, duplicates) = ReadCounts(body);
        if (accepted != expected || duplicates != 0)
        {
            throw new BenchException($"202 with accepted={accepted} duplicates={duplicates}, expected accepted={expected}");
        }
    }

    /// <summary>A FHIR transaction answered 200 with a transaction-response whose every entry was created.</summary>
    public static void RequireCreatedEntries(Uri url, HttpStatusCode status, byte[] body, int expected)
    {
        if (status != HttpStatusCode.OK)
        {
            throw new BenchException($"POST {url} answered {(int)status}: {Truncate(Encoding.UTF8.GetString(body))}");
        }

        using var bundle = System.Text.Json.JsonDocument.Parse(body);
        var created = bundle.RootElement.GetProperty("entry").EnumerateArray()
            .Count(e => e.GetProperty("response").GetProperty("status").GetString()!.StartsWith("201", StringComparison.Ordinal));
        if (created != expected)
        {
            throw new BenchException($"the transaction-response created {created} entries, expected {expected}: {Truncate(Encoding.UTF8.GetString(body))}");
        }
    }

    /// <summary>The first failure of <paramref name="tasks"/> as a benchmark failure naming <paramref name="what"/>.</summary>
    public static BenchException FirstFailure(IEnumerable<Task> tasks, string what) =>
        tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!).FirstOrDefault() switch
        {
            BenchException b => b,
            HttpRequestException h => new BenchException($"{what} failed: {h.Message}"),
            TaskCanceledException => new BenchException($"{what} timed out"),
            { } other => new BenchException($"{what} failed: {other}"),
            _ => new BenchException($"{what} failed"),
        };

    public static string Truncate(string s) => s.Length <= 2000 ? s : s[..2000] + "...";
}

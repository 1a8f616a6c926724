using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Vigil.Storage.Sqlite;

namespace Vigil.Bench;

/// <summary>Helpers run.sh needs: readiness waits, the tenant set-up through the real API, row counts, free ports.</summary>
public static class Setup
{
    /// <summary>
    /// Waits for the server, reads the bootstrap key, creates the customer, its admin key, the patient pool and
    /// <c>--probes</c> probe patients (probe-0000.., one per latency probe, so each probe raises a fresh alert).
    /// </summary>
    public static async Task<int> RunAsync(Options options)
    {
        var url = new Uri(options.Get("url"));
        RequireLoopback(url);
        var dataDir = options.Get("data-dir");
        var keyOut = options.Get("key-out");
        var patients = options.Int("patients", 200);
        var probes = options.Int("probes", 0);
        var customer = options.Get("customer", "bench");
        await WaitForAsync(new Uri(url, "/health/ready"), options.Double("timeout", 120));

        var keyFile = Path.Combine(dataDir, "admin.key");
        if (!File.Exists(keyFile))
        {
            throw new BenchException($"{keyFile} does not exist: use a fresh data directory");
        }

        using var http = new HttpClient { BaseAddress = url, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Api-Key", (await File.ReadAllTextAsync(keyFile)).Trim());
        await PostAsync(http, "/api/v1/customers", new { id = customer, name = "Benchmark customer" });
        using var created = await PostAsync(http, "/api/v1/api-keys", new { name = "bench ingest", role = "admin", customerId = customer });
        var key = (await created.Content.ReadFromJsonAsync<CreatedKey>())?.Key ?? throw new BenchException("no key in the api-keys answer");

        http.DefaultRequestHeaders.Remove("X-Api-Key");
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var pool = Enumerable.Range(0, patients).Select(n => (Id: ReadingBatch.PatientId(n), Name: $"Bench patient {n}"))
            .Concat(Enumerable.Range(0, probes).Select(n => (Id: ProbePatientId(n), Name: $"Probe patient {n}")));
        await Parallel.ForEachAsync(pool, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (p, _) =>
        {
            using var response = await PostAsync(http, "/api/v1/patients", new { id = p.Id, name = p.Name });
        });

        await File.WriteAllTextAsync(keyOut, key + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyOut, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Console.Error.WriteLine($"vigil-bench: customer '{customer}' with {patients} patients and {probes} probe patients; its admin key is in {keyOut}");
        return 0;
    }

    public static string ProbePatientId(int n) => $"probe-{n:D4}";

    public static async Task<int> WaitAsync(Options options)
    {
        var url = new Uri(options.Get("url"));
        RequireLoopback(url);
        await WaitForAsync(url, options.Double("timeout", 120));
        return 0;
    }

    public static int Count(Options options)
    {
        var db = new SqliteDatabase(options.Get("data-dir"));
        using var connection = new SqliteConnection(db.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM readings";
        Report.Line("count", ("readings", (long)command.ExecuteScalar()!));
        return 0;
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        Console.WriteLine(((IPEndPoint)listener.LocalEndpoint).Port);
        return 0;
    }

    private static async Task WaitForAsync(Uri url, double timeoutSeconds)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        string last = "no answer";
        while (clock.Elapsed.TotalSeconds < timeoutSeconds)
        {
            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"HTTP {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException)
            {
                last = "timed out";
            }

            await Task.Delay(200);
        }

        throw new BenchException($"{url} not ready after {timeoutSeconds} s ({last})");
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, object body)
    {
        var response = await http.PostAsJsonAsync(path, body);
        if (!response.IsSuccessStatusCode)
        {
            var text = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new BenchException($"POST {path} answered {(int)response.StatusCode}: {text}");
        }

        return response;
    }

    private static void RequireLoopback(Uri url)
    {
        if (!IPAddress.TryParse(url.Host, out var ip) || !IPAddress.IsLoopback(ip))
        {
            throw new BenchException($"{url.Host} is not a loopback address: the benchmark only talks to 127.0.0.1");
        }
    }

    private sealed record CreatedKey(string Key);
}

using System.Net.Http.Json;
using Vigil.Hosting;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Observability;

/// <summary>A real <c>vigil serve</c> process in a fresh data directory, with its admin key and a customer of its own.</summary>
public sealed class RunningProcess : IAsyncDisposable
{
    private RunningProcess(VigilProcess process, string dataDir, string adminKey)
    {
        Process = process;
        DataDir = dataDir;
        AdminKey = adminKey;
    }

    public VigilProcess Process { get; }

    public string DataDir { get; }

    public string AdminKey { get; }

    public static async Task<RunningProcess> StartAsync(IReadOnlyList<string> args, string? dataDir = null)
    {
        dataDir ??= Directory.CreateTempSubdirectory("vigil-obs-").FullName;
        var process = await VigilProcess.StartAsync(dataDir, Http.Ct, args);
        var key = (await File.ReadAllTextAsync(Path.Combine(dataDir, BootstrapAdminKey.FileName), Http.Ct)).Trim();
        return new RunningProcess(process, dataDir, key);
    }

    public HttpClient Client(string? key = null)
    {
        var client = new HttpClient { BaseAddress = Process.BaseAddress };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    /// <summary>Creates a customer and returns a key of <paramref name="role"/> for it.</summary>
    public async Task<string> CustomerKeyAsync(string customerId, string role = "admin")
    {
        using var admin = Client(AdminKey);
        (await admin.PostAsJsonAsync("/api/v1/customers", new { id = customerId, name = "Customer" }, Http.Ct)).EnsureSuccessStatusCode();
        var created = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "key", role, customerId }, Http.Ct);
        created.EnsureSuccessStatusCode();
        return (await created.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(Http.Ct)).GetProperty("key").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temp directory.
        }
    }
}

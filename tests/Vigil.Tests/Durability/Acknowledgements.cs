using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Vigil.Tests.Durability;

/// <summary>
/// What a crash test's clients were told: every id acknowledged with 202, and the bodies whose answer a crash swallowed,
/// which are sent again (same ids) once the server is back, as devices do.
/// </summary>
internal sealed class Acknowledgements(string path, Action<JsonElement>? check = null)
{
    private readonly ConcurrentQueue<string> _unanswered = new();

    public ConcurrentDictionary<string, bool> Acked { get; } = new();

    public int Count => Acked.Count;

    /// <summary>Posts <paramref name="body"/>; false when the server died under it (the body waits to be resent).</summary>
    public async Task<bool> PostAsync(HttpClient http, string body, CancellationToken stop)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), stop);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OperationCanceledException)
        {
            _unanswered.Enqueue(body);
            return false;
        }

        await RecordAsync(response);
        return true;
    }

    /// <summary>Sends again, in order, every body whose answer was lost.</summary>
    public async Task ResendAsync(Uri baseAddress, string key, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        while (_unanswered.TryDequeue(out var body))
        {
            await RecordAsync(await http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"), ct));
        }
    }

    private async Task RecordAsync(HttpResponseMessage response)
    {
        using (response)
        {
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync(CancellationToken.None));
            var result = await response.Content.ReadFromJsonAsync<JsonElement>(CancellationToken.None);
            check?.Invoke(result);
            foreach (var id in result.GetProperty("ids").EnumerateArray())
            {
                Acked[id.GetString()!] = true;
            }
        }
    }
}

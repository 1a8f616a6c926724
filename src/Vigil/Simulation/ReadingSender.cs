using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Vigil.Domain.Simulation;

namespace Vigil.Simulation;

/// <summary>
/// Posts batches of simulated readings to <c>POST /api/v1/readings</c>. A 429 or 503 is retried after its
/// <c>Retry-After</c>; a failed connection or another 5xx after an exponential backoff (up to
/// <see cref="MaxAttempts"/> attempts); any other refusal is counted as rejected with its problem detail. Reading ids
/// are derived from patient, type and event time, so a batch resent after an unanswered attempt is a duplicate,
/// not a second copy.
/// </summary>
public sealed class ReadingSender(HttpClient client, TimeProvider time)
{
    public const int MaxAttempts = 6;

    private static readonly Dictionary<string, string> Units = new()
    {
        ["heart_rate"] = "/min", ["respiratory_rate"] = "/min", ["spo2"] = "%", ["temperature"] = "Cel",
        ["systolic_bp"] = "mm[Hg]", ["diastolic_bp"] = "mm[Hg]",
    };

    /// <summary>The outcome of one batch.</summary>
    public sealed record Outcome(int Accepted, int Duplicates, int Rejected, int Retries, string? Error);

    private sealed record Answer(int Accepted, int Duplicates);

    public static object Body(string patientId, string? deviceId, SimulatedReading r) => new
    {
        id = $"sim-{patientId}-{r.Type}-{r.ObservedAt.ToUnixTimeMilliseconds()}",
        patientId,
        deviceId,
        type = r.Type,
        value = r.Flag is { } flag ? flag : r.Value is { } v ? v : (object?)r.Text,
        unit = Units.GetValueOrDefault(r.Type),
        observedAt = r.ObservedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture),
    };

    public async Task<Outcome> SendAsync(IReadOnlyList<object> batch, CancellationToken cancellationToken)
    {
        var retries = 0;
        string? error = null;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            TimeSpan wait;
            try
            {
                using var response = await client.PostAsJsonAsync("/api/v1/readings", batch, cancellationToken);
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    var answer = await response.Content.ReadFromJsonAsync<Answer>(JsonSerializerOptions.Web, cancellationToken);
                    return new Outcome(answer?.Accepted ?? 0, answer?.Duplicates ?? 0, 0, retries, null);
                }

                error = $"{(int)response.StatusCode} {await ProblemDetail(response, cancellationToken)}";
                if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable)
                {
                    wait = response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1);
                }
                else if ((int)response.StatusCode >= 500)
                {
                    wait = Backoff(attempt);
                }
                else
                {
                    return new Outcome(0, 0, batch.Count, retries, error);
                }
            }
            catch (HttpRequestException e)
            {
                error = e.Message;
                wait = Backoff(attempt);
            }

            if (attempt < MaxAttempts)
            {
                retries++;
                await Task.Delay(wait, time, cancellationToken);
            }
        }

        return new Outcome(0, 0, batch.Count, retries, error);
    }

    private static TimeSpan Backoff(int attempt) => TimeSpan.FromMilliseconds(Math.Min(10_000, 250 * Math.Pow(2, attempt - 1)));

    internal static async Task<string> ProblemDetail(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            var detail = root.TryGetProperty("detail", out var d) ? d.GetString() : root.TryGetProperty("title", out var t) ? t.GetString() : null;
            if (root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0)
            {
                var first = errors[0];
                detail += $" ({first.GetProperty("field").GetString()}: {first.GetProperty("reason").GetString()})";
            }

            return detail ?? text;
        }
        catch (JsonException)
        {
            return text.Length > 200 ? text[..200] : text;
        }
    }
}

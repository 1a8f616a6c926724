using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Vigil.Simulation;

/// <summary>
/// Posts each batch to <c>POST /api/v1/readings</c> with <paramref name="client"/> (its base address and key): a 429 or
/// 503 is tried again after its <c>Retry-After</c>, another 5xx after the backoff, any other status is a refusal.
/// </summary>
public sealed class HttpReadingSender(HttpClient client, TimeProvider time) : ReadingSender(time)
{
    private sealed record Answer(int Accepted, int Duplicates);

    /// <summary>The JSON body of one reading, as docs/api.md describes it.</summary>
    public static object Body(OutgoingReading outgoing)
    {
        var r = outgoing.Reading;
        return new
        {
            id = outgoing.Id,
            patientId = outgoing.PatientId,
            deviceId = outgoing.DeviceId,
            type = r.Type,
            value = r.Flag is { } flag ? flag : r.Value is { } v ? v : (object?)r.Text,
            unit = outgoing.Unit,
            observedAt = outgoing.ObservedAt,
        };
    }

    protected override async Task<Attempt> AttemptAsync(IReadOnlyList<OutgoingReading> batch, CancellationToken cancellationToken)
    {
        using var response = await client.PostAsJsonAsync("/api/v1/readings", batch.Select(Body), cancellationToken);
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            var answer = await response.Content.ReadFromJsonAsync<Answer>(JsonSerializerOptions.Web, cancellationToken);
            return Attempt.Stored(answer?.Accepted ?? 0, answer?.Duplicates ?? 0);
        }

        var error = $"{(int)response.StatusCode} {await ProblemDetail(response, cancellationToken)}";
        return response.StatusCode switch
        {
            HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable => Attempt.Again(error, response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1)),
            >= HttpStatusCode.InternalServerError => Attempt.Again(error),
            _ => Attempt.Refused(error),
        };
    }
}

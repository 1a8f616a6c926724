using System.Globalization;
using System.Net;
using System.Text.Json;
using Vigil.Domain.Simulation;

namespace Vigil.Simulation;

/// <summary>A simulated reading addressed to its patient and, when the patient has a monitor, its device.</summary>
public readonly record struct OutgoingReading(string PatientId, string? DeviceId, SimulatedReading Reading)
{
    /// <summary>Derived from patient, type and event time, so a batch resent after an unanswered attempt is a duplicate, not a second copy.</summary>
    public string Id => $"sim-{PatientId}-{Reading.Type}-{Reading.ObservedAt.ToUnixTimeMilliseconds()}";

    /// <summary>The canonical unit of the reading's type, as the simulator states it.</summary>
    public string? Unit => Units.GetValueOrDefault(Reading.Type);

    /// <summary>RFC 3339 UTC with milliseconds, the precision the simulator's ids carry.</summary>
    public string ObservedAt => Reading.ObservedAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);

    private static readonly Dictionary<string, string> Units = new()
    {
        ["heart_rate"] = "/min", ["respiratory_rate"] = "/min", ["spo2"] = "%", ["temperature"] = "Cel",
        ["systolic_bp"] = "mm[Hg]", ["diastolic_bp"] = "mm[Hg]",
    };
}

/// <summary>
/// Delivers batches of simulated readings to Vigil, over HTTP (<see cref="HttpReadingSender"/>) or gRPC
/// (<see cref="GrpcReadingSender"/>). A busy or unavailable answer is retried after the wait it names (Retry-After) or
/// an exponential backoff, as is a failed connection, up to <see cref="MaxAttempts"/> attempts; any other refusal is
/// counted as rejected with its reason. Reading ids are derived from the reading (<see cref="OutgoingReading.Id"/>),
/// so a resent batch is stored once.
/// </summary>
public abstract class ReadingSender(TimeProvider time)
{
    public const int MaxAttempts = 6;

    /// <summary>The outcome of one batch.</summary>
    public sealed record Outcome(int Accepted, int Duplicates, int Rejected, int Retries, string? Error);

    /// <summary>What one attempt came to: an answer, a refusal, or a wait before trying again (null: the backoff).</summary>
    protected readonly record struct Attempt(int Accepted, int Duplicates, string? Error, bool Retry, TimeSpan? Wait)
    {
        public static Attempt Stored(int accepted, int duplicates) => new(accepted, duplicates, null, false, null);

        public static Attempt Refused(string error) => new(0, 0, error, false, null);

        public static Attempt Again(string error, TimeSpan? wait = null) => new(0, 0, error, true, wait);
    }

    /// <summary>Sends <paramref name="batch"/> once.</summary>
    protected abstract Task<Attempt> AttemptAsync(IReadOnlyList<OutgoingReading> batch, CancellationToken cancellationToken);

    public async Task<Outcome> SendAsync(IReadOnlyList<OutgoingReading> batch, CancellationToken cancellationToken)
    {
        var retries = 0;
        string? error = null;
        for (var attempt = 1; attempt <= MaxAttempts; attempt++)
        {
            Attempt result;
            try
            {
                result = await AttemptAsync(batch, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                result = Attempt.Again(e.Message);
            }

            if (!result.Retry)
            {
                return result.Error is null
                    ? new Outcome(result.Accepted, result.Duplicates, 0, retries, null)
                    : new Outcome(0, 0, batch.Count, retries, result.Error);
            }

            error = result.Error;
            if (attempt < MaxAttempts)
            {
                retries++;
                await Task.Delay(result.Wait ?? Backoff(attempt), time, cancellationToken);
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

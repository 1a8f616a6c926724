using System.Text.Json.Serialization;

namespace Vigil.Domain.Insights;

/// <summary>
/// An anomaly rule for one vital type: a completed minute whose mean lies more than <see cref="K"/> spreads from the
/// patient's own <see cref="PersonalBaseline"/> breaches it, once the baseline has absorbed
/// <see cref="WarmupMinutes"/> minutes; an alert is raised when <see cref="Minutes"/> consecutive minutes breach.
/// </summary>
public sealed record AnomalyRule(string Type, double K, int Minutes, int WarmupMinutes, string Severity)
{
    /// <summary>Whether <paramref name="minute"/> breaches the rule (false while the baseline warms up).</summary>
    public bool IsBreachedBy(MinuteStream.CompletedMinute minute) =>
        minute.Before.Minutes >= WarmupMinutes && minute.Deviation is { } z && Math.Abs(z) > K;

    /// <summary>
    /// The event time a breach must last before the alert: minutes are observed at their start, so the last of
    /// <see cref="Minutes"/> consecutive ones starts <see cref="Minutes"/> − 1 minutes after the first.
    /// </summary>
    [JsonIgnore]
    public TimeSpan Sustain => TimeSpan.FromMinutes(Minutes - 1);
}

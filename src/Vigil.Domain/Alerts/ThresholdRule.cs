using System.Text.Json.Serialization;

namespace Vigil.Domain.Alerts;

/// <summary>
/// A threshold for one vital type: a reading below <see cref="Low"/> or above <see cref="High"/> breaches it (the
/// limits themselves are within range, as on a bedside monitor), and an alert is raised once a breach has lasted
/// <see cref="ForSeconds"/> of event time (0: at once). For <see cref="DataGapType"/> there are no limits:
/// <see cref="ForSeconds"/> is how long an assigned device may stay silent.
/// </summary>
public sealed record ThresholdRule(string Type, double? Low, double? High, int ForSeconds, string Severity)
{
    /// <summary>The pseudo vital type of the data-gap rule.</summary>
    public const string DataGapType = "data_gap";

    public bool IsBreachedBy(double value) => value < Low || value > High;

    [JsonIgnore]
    public TimeSpan Sustain => TimeSpan.FromSeconds(ForSeconds);
}

using Vigil.Domain.Alerts;

namespace Vigil.Domain.Insights;

/// <summary>
/// The values an anomaly rule takes for what a client leaves out. Anomaly rules are off until configured for a scope:
/// thresholds and NEWS2 stay the safety net, and a baseline is kept for every patient either way, so switching
/// anomaly rules on finds them warmed up. The values were chosen on the simulator (docs/insights.md).
/// </summary>
public static class AnomalyDefaults
{
    public const double K = 4;
    public const int Minutes = 5;
    public const int WarmupMinutes = 60;
    public const string Severity = AlertSeverity.Medium;
}

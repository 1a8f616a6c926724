namespace Vigil.Domain.Alerts;

/// <summary>
/// The names of alert rules. A patient has at most one open alert per rule name, so the name says what makes two
/// conditions the same alert: one per vital type for thresholds, one for NEWS2, one per device for data gaps, one per
/// event type for events that raise alerts.
/// </summary>
public static class AlertRules
{
    public const string ThresholdKind = "threshold";
    public const string News2Kind = "news2";
    public const string DataGapKind = "data_gap";
    public const string EventKind = "event";
    public const string AnomalyKind = "anomaly";

    public const string News2 = "news2";

    public static string Threshold(string vitalType) => $"threshold:{vitalType}";

    public static string DataGap(string deviceId) => $"data_gap:{deviceId}";

    public static string Event(string eventType) => $"event:{eventType}";

    /// <summary>A sustained deviation of one vital from the patient's own baseline (docs/insights.md).</summary>
    public static string Anomaly(string vitalType) => $"anomaly:{vitalType}";
}

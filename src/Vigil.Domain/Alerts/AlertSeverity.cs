namespace Vigil.Domain.Alerts;

/// <summary>
/// How urgent an alert is, on one scale from least to most: low, medium, high for threshold rules (the customer
/// chooses), urgent and emergency for NEWS2 as the RCP chart's clinical response names them (2017: a score of 5-6 or
/// a single 3 calls for an urgent response, 7 or more for an emergency response).
/// </summary>
public static class AlertSeverity
{
    public const string Low = "low";
    public const string Medium = "medium";
    public const string High = "high";
    public const string Urgent = "urgent";
    public const string Emergency = "emergency";

    /// <summary>Every severity, least urgent first.</summary>
    public static IReadOnlyList<string> All { get; } = [Low, Medium, High, Urgent, Emergency];

    /// <summary>0 for low up to 4 for emergency; -1 for a name that is not a severity.</summary>
    public static int Rank(string severity) => severity switch
    {
        Low => 0,
        Medium => 1,
        High => 2,
        Urgent => 3,
        Emergency => 4,
        _ => -1,
    };

    public static string Higher(string a, string b) => Rank(b) > Rank(a) ? b : a;
}

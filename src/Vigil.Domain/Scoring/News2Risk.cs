namespace Vigil.Domain.Scoring;

/// <summary>
/// The clinical risk a NEWS2 aggregate stands for (Royal College of Physicians, 2017, chart 2 "NEWS thresholds and
/// triggers"): 0–4 low; a score of 3 in any single parameter with an aggregate under 5, low-medium (an urgent ward-based
/// response); 5–6 medium; 7 or more high.
/// </summary>
public static class News2Risk
{
    public const string Low = "low";

    public const string LowMedium = "low-medium";

    public const string Medium = "medium";

    public const string High = "high";

    public static string For(int aggregate, bool anySingleParameterScoredThree) => aggregate switch
    {
        >= 7 => High,
        >= 5 => Medium,
        _ when anySingleParameterScoredThree => LowMedium,
        _ => Low,
    };
}

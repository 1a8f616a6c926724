namespace Vigil.Domain.Scoring;

/// <summary>
/// A patient's NEWS2 score: the aggregate and its <see cref="News2Risk"/>, each parameter present by its
/// <see cref="News2Parameter"/> name, the parameters that had no value in the window, and the newest event time used
/// (null when no parameter had a value). An incomplete score counts only the parameters present.
/// </summary>
public sealed record News2Score(
    int Score,
    string Risk,
    IReadOnlyDictionary<string, News2ParameterScore> Parameters,
    IReadOnlyList<string> Missing,
    DateTimeOffset? At)
{
    /// <summary>All seven parameters present: only then is the score a full NEWS2.</summary>
    public bool Complete => Missing.Count == 0;
}

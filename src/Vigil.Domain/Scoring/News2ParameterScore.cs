namespace Vigil.Domain.Scoring;

/// <summary>
/// One parameter's contribution to a NEWS2 score: the value as banded (a rounded number; the ACVPU letter for
/// consciousness; "air" or "oxygen" for air or oxygen) and the points it scored.
/// </summary>
public sealed record News2ParameterScore(object Value, int Points);

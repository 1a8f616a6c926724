namespace Vigil.Processing.Analysis;

/// <summary>Settings of the analyze role (section "Analysis").</summary>
public sealed class AnalysisOptions
{
    public const string Section = "Analysis";

    /// <summary>How far a patient's watermark trails the latest event time seen for them: a window is final once the watermark passes its end.</summary>
    public TimeSpan AllowedLateness { get; set; } = TimeSpan.FromMinutes(5);
}

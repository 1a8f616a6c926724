namespace Vigil.Insights.Llm;

/// <summary>
/// An OpenAI-compatible chat-completions endpoint (section <c>Vigil:Llm</c>). Without <see cref="Endpoint"/> no LLM is
/// used: summaries come from the deterministic writer and questions from the rule parser alone.
/// </summary>
public sealed class LlmOptions
{
    public const string Section = "Vigil:Llm";

    /// <summary>The base URL (<c>http://host:8000/v1</c>, to which <c>/chat/completions</c> is added) or the full chat-completions URL.</summary>
    public string? Endpoint { get; set; }

    public string Model { get; set; } = "gpt-4o-mini";

    /// <summary>Sent as <c>Authorization: Bearer</c> when set.</summary>
    public string? ApiKey { get; set; }

    /// <summary>How long one completion may take before Vigil answers without it.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The circuit opens when at least half of this many or more calls within <see cref="BreakerSamplingDuration"/> failed.</summary>
    public int BreakerMinimumThroughput { get; set; } = 3;

    public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long an open circuit answers without calling the LLM before one call probes it again.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(60);

    public bool Configured => !string.IsNullOrWhiteSpace(Endpoint);

    /// <summary>The URL completions are posted to.</summary>
    public Uri CompletionsUrl()
    {
        var endpoint = Endpoint!.TrimEnd('/');
        return new Uri(endpoint.EndsWith("/chat/completions", StringComparison.Ordinal) ? endpoint : endpoint + "/chat/completions");
    }
}

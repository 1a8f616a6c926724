using System.Text.Json;
using Vigil.Domain.Insights;
using Vigil.Insights.Llm;

namespace Vigil.Insights.Summary;

/// <summary>A patient summary: the facts, the text, which writer wrote it, and why the LLM's text was not used when it was not.</summary>
public sealed record PatientSummary(
    string PatientId, DateTimeOffset From, DateTimeOffset To, SummaryFacts Facts, string Text, string Writer, string? Model, string? FallbackReason);

/// <summary>
/// Writes a patient's summary: by the configured LLM from the facts when it answers in time with no number that is
/// not among the facts, else by <see cref="SummaryWriter"/>. The deterministic text is always written first, so the
/// answer never waits for the LLM longer than its timeout, and not at all while its circuit is open.
/// </summary>
public sealed class PatientSummaries(SummaryFactsReader reader, LlmClient llm)
{
    public const string Deterministic = "deterministic";
    public const string Llm = "llm";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private const string Instructions = """
        You write a short handover summary (at most 5 sentences) of one patient's last 24 hours for a nurse, from the JSON
        facts you are given. Use only the facts: every number you write must appear in the facts exactly as given or
        rounded. Do not add advice, diagnoses or numbers of your own. Plain text, no lists.
        """;

    public async Task<PatientSummary?> SummarizeAsync(string tenant, string patientId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (await reader.ReadAsync(tenant, patientId, now, cancellationToken) is not { } facts)
        {
            return null;
        }

        var deterministic = SummaryWriter.Write(facts);
        if (!llm.Configured)
        {
            return Fallback(facts, deterministic, null);
        }

        var answer = await llm.CompleteAsync(Instructions, JsonSerializer.Serialize(facts, Json), cancellationToken);
        if (answer.Text is not { } text)
        {
            return Fallback(facts, deterministic, answer.Failure);
        }

        var unsupported = FactCheck.Unsupported(text, FactCheck.NumbersOf(facts));
        return unsupported.Count > 0
            ? Fallback(facts, deterministic, $"the LLM's text has numbers that are not among the facts: {string.Join(", ", unsupported.Distinct())}")
            : new PatientSummary(facts.PatientId, facts.From, facts.To, facts, text.Trim(), Llm, llm.Model, null);
    }

    private static PatientSummary Fallback(SummaryFacts facts, string text, string? reason) =>
        new(facts.PatientId, facts.From, facts.To, facts, text, Deterministic, null, reason);
}

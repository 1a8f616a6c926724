using System.Text.Json;
using Vigil.Domain.Insights;
using Vigil.Insights.Llm;

namespace Vigil.Insights.Questions;

/// <summary>
/// Asks the configured LLM to turn a question the rule parser could not read into the same structured query (JSON).
/// The LLM sees the question and the clock only, never patient data; Vigil validates and runs what it returns.
/// </summary>
public sealed class LlmQuestionParser(LlmClient llm)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public bool Configured => llm.Configured;

    /// <summary>The query, or why there is none (the LLM failed, answered something that is not a query, or found none).</summary>
    public async Task<(AskQuery? Query, string? Reason)> ParseAsync(string question, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var answer = await llm.CompleteAsync(Prompt(now), question, cancellationToken);
        if (answer.Text is null)
        {
            return (null, $"the LLM was not used ({answer.Failure})");
        }

        var text = answer.Text;
        var start = text.IndexOf('{');
        var end = text.LastIndexOf('}');
        if (start < 0 || end < start)
        {
            return (null, "the LLM's answer is not a JSON query");
        }

        try
        {
            using var doc = JsonDocument.Parse(text[start..(end + 1)]);
            if (doc.RootElement.TryGetProperty("intent", out var intent) && intent.ValueKind == JsonValueKind.String && intent.GetString() == "none")
            {
                return (null, doc.RootElement.TryGetProperty("reason", out var why) && why.ValueKind == JsonValueKind.String
                    ? $"the LLM found no query: {why.GetString()}"
                    : "the LLM found no query");
            }

            var query = doc.RootElement.Deserialize<AskQuery>(Json);
            return query?.Intent is null ? (null, "the LLM's answer has no intent") : (query, null);
        }
        catch (JsonException e)
        {
            return (null, $"the LLM's answer is not a valid query: {e.Message}");
        }
    }

    private static string Prompt(DateTimeOffset now) => $$"""
        You turn a clinician's question about patient vital signs into one JSON object and output nothing else.
        The current time is {{now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}.
        Fields (leave out what the question does not say):
          "intent": "vital_statistic" (one patient's vital), "patients_where" (which patients meet a condition), "alerts" (which alerts), or "none"
          "patient": the patient's id or name as written
          "department": the ward or department as written
          "vital": one of heart_rate, respiratory_rate, spo2, temperature, systolic_bp, diastolic_bp, weight, height, bmi, steps, news2
          "statistic": one of average, min, max, latest, count, trend
          "comparison": one of ">=", ">", "<=", "<", "=" and "threshold": a number (for patients_where)
          "status": one of active, acknowledged, open (for alerts)
          "from", "to": ISO 8601 UTC times bounding the period asked about
          "reason": why, when intent is "none"
        Example: "average heart rate of patient p12 in the last hour" ->
        {"intent":"vital_statistic","patient":"p12","vital":"heart_rate","statistic":"average","from":"{{now.AddHours(-1).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}","to":"{{now.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}}"}
        """;
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Vigil.Tests.Infrastructure;
using static Vigil.Tests.Insights.Readings;

namespace Vigil.Tests.Insights;

/// <summary>
/// The LLM path of summaries and questions against a real local chat-completions server: a good answer is used, an
/// answer with an invented number is not, a slow one times out, and repeated failures open the circuit so that Vigil
/// answers without calling it. Embedded mode: the path is HTTP to the LLM, the same in both modes.
/// </summary>
public sealed class LlmTests : IAsyncLifetime
{
    private ChatCompletionsServer _llm = null!;
    private VigilServer _server = null!;
    private Tenant _tenant = null!;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async ValueTask InitializeAsync()
    {
        _llm = await ChatCompletionsServer.StartAsync();
        _server = await VigilServer.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Vigil:Llm:Endpoint"] = _llm.Url,
            ["Vigil:Llm:Model"] = "test-model",
            ["Vigil:Llm:ApiKey"] = "sk-test",
            ["Vigil:Llm:Timeout"] = "00:00:00.500",
            ["Vigil:Llm:BreakerMinimumThroughput"] = "2",
        });
        _tenant = await Tenant.CreateAsync(_server, "llm-" + Guid.NewGuid().ToString("N")[..6]);
        (await _tenant.Admin.PostJsonAsync("/api/v1/patients", new { id = "p12", name = "Ada Lovelace" })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var t = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddMinutes(-40).ToUnixTimeSeconds());
        await PostAsync(_server, _tenant, R("h1", "heart_rate", 72, t, "p12"), R("h2", "heart_rate", 88, t.AddMinutes(10), "p12"), R("h3", "heart_rate", 95, t.AddMinutes(20), "p12"));
    }

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        _tenant.Dispose();
        await _server.DisposeAsync();
        await _llm.DisposeAsync();
    }

    private async Task<JsonElement> SummaryAsync() =>
        await (await _tenant.Admin.Get("/api/v1/patients/p12/summary")).ShouldBeAsync(HttpStatusCode.OK);

    /// <summary>What a faithful model writes: the heart rate range, read from the facts it was sent.</summary>
    private static string FaithfulText(string facts)
    {
        var heartRate = JsonDocument.Parse(facts).RootElement.GetProperty("vitals").EnumerateArray().Single(v => v.GetProperty("type").GetString() == "heart_rate");
        var min = heartRate.GetProperty("min").GetDouble().ToString(CultureInfo.InvariantCulture);
        var max = heartRate.GetProperty("max").GetDouble().ToString(CultureInfo.InvariantCulture);
        return $"Over the last 24 hours Ada Lovelace's heart rate ranged from {min} to {max} /min; no alerts were raised.";
    }

    [Fact]
    public async Task A_good_answer_is_the_summary_text_and_the_facts_were_sent_to_the_llm()
    {
        _llm.Respond = (_, facts, _) => Task.FromResult<object>(FaithfulText(facts));
        var summary = await SummaryAsync();
        summary.GetProperty("writer").GetString().ShouldBe("llm", summary.ToString());
        summary.GetProperty("model").GetString().ShouldBe("test-model");
        summary.GetProperty("text").GetString().ShouldBe("Over the last 24 hours Ada Lovelace's heart rate ranged from 72 to 95 /min; no alerts were raised.");
        summary.GetProperty("fallbackReason").ValueKind.ShouldBe(JsonValueKind.Null);
        var request = _llm.Bodies.Single();
        request.GetProperty("model").GetString().ShouldBe("test-model");
        request.GetProperty("temperature").GetInt32().ShouldBe(0);
        request.GetProperty("messages")[1].GetProperty("content").GetString()!.ShouldContain("\"readings\":3");
    }

    [Fact]
    public async Task An_answer_with_a_number_not_among_the_facts_gives_the_deterministic_text()
    {
        _llm.Respond = (_, facts, _) => Task.FromResult<object>(FaithfulText(facts) + " Heart rate peaked at 187 /min at night.");
        var summary = await SummaryAsync();
        summary.GetProperty("writer").GetString().ShouldBe("deterministic");
        summary.GetProperty("fallbackReason").GetString().ShouldBe("the LLM's text has numbers that are not among the facts: 187");
        summary.GetProperty("text").GetString()!.ShouldStartWith("Ada Lovelace (p12), ");
        summary.GetProperty("text").GetString()!.ShouldContain("Heart rate 72 to 95 /min, mean 85, latest 95 (3 readings)");
        _llm.Requests.ShouldBe(1);
    }

    [Fact]
    public async Task A_slow_llm_times_out_and_the_deterministic_text_is_used()
    {
        _llm.Respond = async (_, _, aborted) =>
        {
            await _release.Task.WaitAsync(aborted);
            return "too late";
        };
        var watch = Stopwatch.StartNew();
        var summary = await SummaryAsync();
        watch.Stop();
        summary.GetProperty("writer").GetString().ShouldBe("deterministic");
        summary.GetProperty("fallbackReason").GetString().ShouldBe("timeout: no answer within 0.5 s");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10), "the answer waits for the timeout, not for the model");
    }

    [Fact]
    public async Task Repeated_failures_open_the_circuit_and_summaries_no_longer_wait_for_the_llm()
    {
        _llm.Respond = (_, _, _) => Task.FromResult<object>(Results.StatusCode(StatusCodes.Status500InternalServerError));
        for (var i = 0; i < 2; i++)
        {
            var failed = await SummaryAsync();
            failed.GetProperty("writer").GetString().ShouldBe("deterministic");
            failed.GetProperty("fallbackReason").GetString().ShouldBe("error: the LLM endpoint answered 500");
        }

        // The model would now answer well, but the circuit is open: Vigil does not call it.
        _llm.Respond = (_, facts, _) => Task.FromResult<object>(FaithfulText(facts));
        var summary = await SummaryAsync();
        summary.GetProperty("writer").GetString().ShouldBe("deterministic");
        summary.GetProperty("fallbackReason").GetString()!.ShouldStartWith("circuit open");
        _llm.Requests.ShouldBe(2);
        var answer = await (await _tenant.Admin.PostJsonAsync("/api/v1/ask", new { question = "how is Ada doing" })).ShouldBeAsync(HttpStatusCode.OK);
        answer.GetProperty("answered").GetBoolean().ShouldBeFalse();
        answer.GetProperty("llmFailure").GetString()!.ShouldContain("circuit open");
        _llm.Requests.ShouldBe(2);
    }

    [Fact]
    public async Task The_llm_only_turns_a_question_the_rules_cannot_read_into_a_query_that_vigil_validates_and_runs()
    {
        string? prompt = null;
        _llm.Respond = (system, question, _) =>
        {
            prompt = system;
            var now = DateTimeOffset.UtcNow;
            return Task.FromResult<object>(question.Contains("cardiac")
                ? $$"""Here is the query: {"intent":"vital_statistic","patient":"p12","vital":"heart_rate","statistic":"max","from":"{{now.AddHours(-2):O}}","to":"{{now:O}}"}"""
                : question.Contains("sugar")
                    ? """{"intent":"vital_statistic","patient":"p12","vital":"blood_sugar","statistic":"max"}"""
                    : "I am not sure what you mean.");
        };

        var answer = await (await _tenant.Admin.PostJsonAsync("/api/v1/ask", new { question = "Ada's cardiac frequency at its worst over the previous couple of hours?" }))
            .ShouldBeAsync(HttpStatusCode.OK);
        answer.GetProperty("answered").GetBoolean().ShouldBeTrue(answer.ToString());
        answer.GetProperty("parser").GetString().ShouldBe("llm");
        answer.GetProperty("data").GetProperty("value").GetDouble().ShouldBe(95);
        prompt.ShouldNotBeNull().ShouldNotContain("Ada Lovelace", Case.Insensitive, "the LLM is not told the customer's patients");

        var invalid = await (await _tenant.Admin.PostJsonAsync("/api/v1/ask", new { question = "Ada's blood sugar peak?" })).ShouldBeAsync(HttpStatusCode.OK);
        invalid.GetProperty("answered").GetBoolean().ShouldBeFalse();
        invalid.GetProperty("reason").GetString()!.ShouldContain("'blood_sugar' is not a vital sign");
        var garbage = await (await _tenant.Admin.PostJsonAsync("/api/v1/ask", new { question = "how is Ada doing" })).ShouldBeAsync(HttpStatusCode.OK);
        garbage.GetProperty("answered").GetBoolean().ShouldBeFalse();
        garbage.GetProperty("llmFailure").GetString().ShouldBe("the LLM's answer is not a JSON query");

        var byRules = await (await _tenant.Admin.PostJsonAsync("/api/v1/ask", new { question = "max heart rate of patient p12 in the last 2 hours" })).ShouldBeAsync(HttpStatusCode.OK);
        byRules.GetProperty("parser").GetString().ShouldBe("rules", "the LLM is asked only when the rules cannot read the question");
        _llm.Requests.ShouldBe(3);
    }
}

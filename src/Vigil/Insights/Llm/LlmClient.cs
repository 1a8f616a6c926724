using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace Vigil.Insights.Llm;

/// <summary>The LLM's text, or why there is none (not configured, timeout, circuit open, an error).</summary>
public sealed record LlmAnswer(string? Text, string? Failure);

/// <summary>An answer from the endpoint that is not a usable chat completion.</summary>
public sealed class LlmFailedException(string message) : Exception(message);

/// <summary>
/// Calls an OpenAI-compatible <c>POST /chat/completions</c> through a Polly pipeline: a circuit breaker around a
/// timeout. Callers always have a fallback, so a failure is an answer (<see cref="LlmAnswer.Failure"/>), never an
/// exception; while the circuit is open Vigil does not call the endpoint and does not wait for it.
/// </summary>
public sealed class LlmClient : IDisposable
{
    private readonly LlmOptions _options;
    private readonly HttpClient _http;
    private readonly ResiliencePipeline _pipeline;
    private readonly CircuitBreakerStateProvider _state = new();

    public LlmClient(IOptions<LlmOptions> options, TimeProvider clock)
    {
        _options = options.Value;
        // The pipeline's timeout bounds each call; the client's own stays out of its way.
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) }) { Timeout = Timeout.InfiniteTimeSpan };
        _pipeline = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<HttpRequestException>().Handle<TimeoutRejectedException>()
                    .Handle<LlmFailedException>().Handle<JsonException>(),
                FailureRatio = 0.5,
                MinimumThroughput = _options.BreakerMinimumThroughput,
                SamplingDuration = _options.BreakerSamplingDuration,
                BreakDuration = _options.BreakDuration,
                StateProvider = _state,
            })
            .AddTimeout(_options.Timeout)
            .Build();
    }

    public bool Configured => _options.Configured;

    public string Model => _options.Model;

    /// <summary>The circuit: closed, open or half-open.</summary>
    public CircuitState State => _state.CircuitState;

    /// <summary>Asks for one completion of <paramref name="system"/> and <paramref name="user"/> messages at temperature 0.</summary>
    public async Task<LlmAnswer> CompleteAsync(string system, string user, CancellationToken cancellationToken)
    {
        if (!Configured)
        {
            return new LlmAnswer(null, "no LLM is configured");
        }

        try
        {
            var text = await _pipeline.ExecuteAsync(async ct => await PostAsync(system, user, ct), cancellationToken);
            return new LlmAnswer(text, null);
        }
        catch (BrokenCircuitException)
        {
            return new LlmAnswer(null, "circuit open: the LLM failed repeatedly, so it is not called for now");
        }
        catch (TimeoutRejectedException)
        {
            return new LlmAnswer(null, $"timeout: no answer within {_options.Timeout.TotalSeconds:0.###} s");
        }
        catch (Exception e) when (e is HttpRequestException or LlmFailedException or JsonException)
        {
            return new LlmAnswer(null, $"error: {e.Message}");
        }
    }

    private async Task<string> PostAsync(string system, string user, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _options.CompletionsUrl())
        {
            Content = JsonContent.Create(new
            {
                model = _options.Model,
                temperature = 0,
                messages = new[] { new { role = "system", content = system }, new { role = "user", content = user } },
            }),
        };
        if (!string.IsNullOrEmpty(_options.ApiKey))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _options.ApiKey);
        }

        using var response = await _http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new LlmFailedException($"the LLM endpoint answered {(int)response.StatusCode}");
        }

        using var doc = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken: cancellationToken);
        if (doc.RootElement.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0
            && choices[0].TryGetProperty("message", out var message) && message.TryGetProperty("content", out var content)
            && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
        {
            return text;
        }

        throw new LlmFailedException("the LLM's answer has no choices[0].message.content");
    }

    public void Dispose() => _http.Dispose();
}

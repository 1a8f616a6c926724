using Vigil.Api;
using Vigil.Domain;
using Vigil.Domain.Insights;
using Vigil.Security;

namespace Vigil.Insights.Questions;

/// <summary>
/// <c>POST /api/v1/ask</c>: a question in plain English about the caller's customer's data. The rule parser reads it
/// first; when it cannot and an LLM is configured, the LLM turns it into the same structured query. Either way Vigil
/// validates the query and runs it itself. A question Vigil cannot answer is answered 200 with <c>answered: false</c>
/// and the reason; only a missing or oversized question is refused (422).
/// </summary>
public static class AskEndpoints
{
    public const int MaxQuestionLength = 500;

    public sealed record AskRequest(string? Question);

    public sealed record AskResponse(
        string Question, bool Answered, string? Answer, string? Reason, string? Parser, AskQuery? Query, object? Data, string? LlmFailure);

    public static RouteGroupBuilder MapAsk(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/ask").WithTags("Questions");
        group.MapPost("/", AskAsync).RequireAuthorization(Access.Read).Produces<AskResponse>().ProducesProblem(400).ProducesProblem(422);
        return group;
    }

    private static async Task<IResult> AskAsync(
        HttpContext http, QuestionAnswerer answerer, LlmQuestionParser llm, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (body, problem) = await JsonBody.ReadAsync<AskRequest>(http.Request, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new List<FieldError>();
        var question = FieldRules.Text(body.Question, "question", MaxQuestionLength, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var tenant = Caller.From(http.User).Tenant;
        var now = clock.GetUtcNow();
        var (patients, departments) = await answerer.KnownAsync(tenant);
        var parsed = QuestionParser.Parse(question, patients, departments, now);
        var (query, reason, parser) = (parsed.Query, parsed.Reason, "rules");
        string? llmFailure = null;
        if (query is null && llm.Configured)
        {
            var (fromLlm, why) = await llm.ParseAsync(question, now, cancellationToken);
            if (fromLlm is not null)
            {
                (query, parser) = (fromLlm, "llm");
            }
            else
            {
                llmFailure = why;
            }
        }

        if (query is null)
        {
            return TypedResults.Ok(new AskResponse(question, false, null, reason, null, null, null, llmFailure));
        }

        var (valid, invalid) = AskQueryValidator.Validate(query, now);
        if (valid is null)
        {
            return TypedResults.Ok(new AskResponse(question, false, null, $"the query is not one Vigil runs: {invalid}", parser, query, null, llmFailure));
        }

        var result = await answerer.RunAsync(tenant, valid, now, cancellationToken);
        return TypedResults.Ok(new AskResponse(question, result.Answered, result.Answer, result.Reason, parser, valid, result.Data, llmFailure));
    }
}

using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Vigil.Domain;
using Vigil.Storage.Writes;

namespace Vigil;

/// <summary>
/// RFC 9457 problem details for every refusal: a status, a title, a detail sentence and, for bad input, an
/// <c>errors</c> list naming each bad item's index, the field and the reason.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult Create(int status, string title, string detail, IReadOnlyList<FieldError>? errors = null)
    {
        var problem = new ProblemDetails
        {
            Type = $"urn:vigil:problem:{status}",
            Title = title,
            Status = status,
            Detail = detail,
        };
        if (errors is { Count: > 0 })
        {
            problem.Extensions["errors"] = errors.Select(e => e.Index is { } i
                ? (object)new { index = i, field = e.Field, reason = e.Reason }
                : new { field = e.Field, reason = e.Reason }).ToList();
        }

        return TypedResults.Problem(problem);
    }

    public static Task Write(HttpContext context, int status, string title, string detail, IReadOnlyList<FieldError>? errors = null) =>
        Create(status, title, detail, errors).ExecuteAsync(context);

    public static ProblemHttpResult Invalid(IReadOnlyList<FieldError> errors) =>
        Create(StatusCodes.Status422UnprocessableEntity, "Invalid input", RejectedException.Invalid(errors).Message, errors);

    public static ProblemHttpResult Invalid(string field, string reason) => Invalid([new FieldError(null, field, reason)]);

    public static ProblemHttpResult Malformed(string detail) =>
        Create(StatusCodes.Status400BadRequest, "Malformed request", detail);

    public static ProblemHttpResult NotFound(string what) =>
        Create(StatusCodes.Status404NotFound, "Not found", $"{what} was not found.");

    public static ProblemHttpResult From(RejectedException e) => e.Kind switch
    {
        RejectionKind.NotFound => Create(StatusCodes.Status404NotFound, "Not found", e.Message),
        RejectionKind.Conflict => Create(StatusCodes.Status409Conflict, "Conflict", e.Message, e.Errors),
        _ => Create(StatusCodes.Status422UnprocessableEntity, "Invalid input", e.Message, e.Errors),
    };

    /// <summary>Turns exceptions that escape an endpoint into problem+json; nothing internal leaks into the answer.</summary>
    public static async Task Handle(HttpContext context, Func<Task> next)
    {
        try
        {
            await next();
        }
        catch (RejectedException r) when (!context.Response.HasStarted)
        {
            context.Response.Clear();
            await From(r).ExecuteAsync(context);
        }
        catch (Exception e) when (!context.Response.HasStarted)
        {
            var (status, title, detail, errors) = e switch
            {
                StorageUnavailableException => (503, "Storage unavailable", "The write could not be made durable and was not stored; retry.", null),
                BadHttpRequestException b when b.StatusCode == 413 => (413, "Request too large", b.Message, null),
                BadHttpRequestException b when b.StatusCode == 415 => (415, "Unsupported media type", b.Message, null),
                BadHttpRequestException b => (b.StatusCode, "Bad request", b.Message, (IReadOnlyList<FieldError>?)null),
                OperationCanceledException when context.RequestAborted.IsCancellationRequested => (499, "Client closed request", "The client went away.", null),
                _ => (500, "Internal error", "Vigil could not handle this request; the error is logged.", null),
            };
            if (status == 500)
            {
                context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Vigil.Api")
                    // The route template, not the path: a path names the patient it is about.
                    .LogError(e, "Unhandled error on {Method} {Route}", context.Request.Method,
                        (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(no endpoint)");
            }

            // Clear first: it resets the headers too.
            context.Response.Clear();
            if (status == 503)
            {
                context.Response.Headers.RetryAfter = "1";
            }

            await Write(context, status, title, detail, errors);
        }
    }
}

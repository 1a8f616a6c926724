using System.Diagnostics;
using Vigil.Domain;
using Vigil.Hosting;
using Vigil.Security;
using Vigil.Storage.Readings;

namespace Vigil.Api.Ingest;

/// <summary>
/// The one ingest flow behind readings and events: read the bounded body, parse, validate every item, and only if all
/// are valid write them in one group-committed transaction; answer 202 once that is durable. Any bad item refuses the
/// whole request and nothing of it is stored.
/// </summary>
public static class IngestRequest
{
    public delegate (List<TInput> Items, bool IsArray) Parser<TInput>(ReadOnlySpan<byte> utf8, int maxItems, List<FieldError> errors);

    public sealed record Response(int Accepted, int Duplicates, IReadOnlyList<string> Ids);

    public static async Task<IResult> HandleAsync<TInput, TItem>(
        HttpContext http,
        VigilOptions options,
        DateTimeOffset now,
        Parser<TInput> parse,
        Func<TInput, int?, DateTimeOffset, List<FieldError>, TItem?> validate,
        Func<string, List<TItem>, string?, CancellationToken, Task<IngestResult>> write,
        CancellationToken cancellationToken,
        Action<int>? rejected = null)
        where TItem : class
    {
        var caller = Caller.From(http.User);
        var errors = new List<FieldError>();
        List<TInput> inputs;
        bool isArray;
        using (var body = await RequestBody.ReadPooledAsync(http.Request, options.MaxBodyBytes, cancellationToken))
        {
            try
            {
                // The parser reads a span and keeps no part of it: the inputs own their strings and values.
                (inputs, isArray) = parse(body.Span, options.MaxBatchItems, errors);
            }
            catch (MalformedJsonException e)
            {
                return Problems.Malformed(e.Message);
            }
            catch (TooManyItemsException e)
            {
                return Problems.Create(StatusCodes.Status413PayloadTooLarge, "Request too large", e.Message);
            }
        }

        var items = new List<TItem>(inputs.Count);
        for (var i = 0; i < inputs.Count; i++)
        {
            if (validate(inputs[i], isArray ? i : null, now, errors) is { } item)
            {
                items.Add(item);
            }
        }

        if (errors.Count > 0)
        {
            rejected?.Invoke(inputs.Count);
            return Problems.Invalid(errors.OrderBy(e => e.Index ?? -1).ToList());
        }

        try
        {
            var result = await write(caller.Tenant, items, Activity.Current?.Id, cancellationToken);
            return TypedResults.Json(new Response(result.Accepted, result.Duplicates, result.Ids), statusCode: StatusCodes.Status202Accepted);
        }
        catch (RejectedException e)
        {
            rejected?.Invoke(inputs.Count);
            // A single object is not a batch: its errors carry no index.
            return Problems.From(isArray ? e : new RejectedException(e.Kind, e.Message, e.Errors.Select(x => x with { Index = null }).ToList()));
        }
    }
}

using Vigil.Domain;

namespace Vigil.Api;

/// <summary>
/// The body of a create or replace of reference data, read and checked the same way for every kind: JSON of the
/// request type, a <c>customerId</c> (if given) that is the caller's own, an <c>id</c> that is valid (create; generated
/// when absent) or equal to the path's (replace: ids never change), then the kind's own field rules.
/// </summary>
public static class ReferenceRequest
{
    public sealed record Parsed<TFields>(string Id, TFields Fields);

    /// <param name="pathId">The id in the path for a replace; null for a create.</param>
    /// <param name="notFound">What a foreign <c>customerId</c> is reported as not finding.</param>
    public static async Task<(Parsed<TFields>? Value, IResult? Problem)> ReadAsync<TRequest, TFields>(
        HttpRequest request,
        string? tenant,
        string? pathId,
        string notFound,
        Func<TRequest, string?> idOf,
        Func<TRequest, string?> customerIdOf,
        Func<TRequest, List<FieldError>, TFields> validate,
        CancellationToken cancellationToken)
        where TRequest : class
    {
        var (body, problem) = await JsonBody.ReadAsync<TRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }

        if (tenant is not null && customerIdOf(body!) is { } customerId && customerId != tenant)
        {
            return (null, Problems.NotFound(notFound));
        }

        var errors = new List<FieldError>();
        var id = pathId;
        if (pathId is null)
        {
            id = FieldRules.Id(idOf(body!), "id", errors) ?? Identifiers.New();
        }
        else if (idOf(body!) is { } bodyId && bodyId != pathId)
        {
            errors.Add(new FieldError(null, "id", "must match the id in the path (ids never change)"));
        }

        var fields = validate(body!, errors);
        return errors.Count > 0 ? (null, Problems.Invalid(errors)) : (new Parsed<TFields>(id!, fields), null);
    }
}

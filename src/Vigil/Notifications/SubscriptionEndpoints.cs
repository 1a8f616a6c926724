using Vigil.Api;
using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Security;
using Vigil.Storage.Notifications;
using Vigil.Storage.Writes;

namespace Vigil.Notifications;

/// <summary>
/// The customer's webhook subscriptions under <c>/api/v1/notifications/subscriptions</c>: admins (policy manage) create,
/// replace and delete them, any of the customer's people (read) list them. The secret is taken, never shown again.
/// </summary>
public static class SubscriptionEndpoints
{
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 256;
    public const int MaxUrlLength = 2000;

    /// <summary>The alert transitions a subscription can ask for: the types of the <c>alerts</c> topic.</summary>
    public static IReadOnlyList<string> Types { get; } = ["alert.created", "alert.escalated", "alert.acknowledged", "alert.resolved"];

    public sealed record SubscriptionRequest(string? Url, string? Secret, string? MinSeverity, List<string?>? Types);

    /// <summary>A subscription as the API shows it: everything but the secret.</summary>
    public sealed record SubscriptionView(
        string Id, string Url, string MinSeverity, IReadOnlyList<string> Types, bool HasSecret, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static SubscriptionView From(Subscription s) => new(s.Id, s.Url, s.MinSeverity, s.Types, s.Secret.Length > 0, s.CreatedAt, s.UpdatedAt);
    }

    public sealed record SubscriptionList(IReadOnlyList<SubscriptionView> Items);

    public static RouteGroupBuilder MapNotificationSubscriptions(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/notifications/subscriptions").WithTags("Notifications");
        group.MapPost("/", CreateAsync).RequireAuthorization(Access.Manage)
            .Produces<SubscriptionView>(StatusCodes.Status201Created).ProducesProblem(400).ProducesProblem(422);
        group.MapGet("/", async (HttpContext http, SubscriptionStore store, CancellationToken ct) =>
                TypedResults.Ok(new SubscriptionList([.. (await store.ListAsync(Caller.From(http.User).Tenant, ct)).Select(SubscriptionView.From)])))
            .RequireAuthorization(Access.Read);
        group.MapGet("/{id}", GetAsync).RequireAuthorization(Access.Read).Produces<SubscriptionView>().ProducesProblem(404);
        group.MapPut("/{id}", UpdateAsync).RequireAuthorization(Access.Manage)
            .Produces<SubscriptionView>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(422);
        group.MapDelete("/{id}", DeleteAsync).RequireAuthorization(Access.Manage).Produces(StatusCodes.Status204NoContent).ProducesProblem(404);
        return group;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, GroupCommitter writer, SubscriptionStore store, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var (body, problem) = await JsonBody.ReadAsync<SubscriptionRequest>(http.Request, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new List<FieldError>();
        var input = Validate(body, secretRequired: true, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var created = await writer.WriteAsync(ctx => store.Create(ctx, caller.Tenant, input.Url, input.Secret!, input.MinSeverity, input.Types, caller.Id),
            cancellationToken);
        return TypedResults.Created($"/api/v1/notifications/subscriptions/{created.Id}", SubscriptionView.From(created));
    }

    private static async Task<IResult> GetAsync(HttpContext http, SubscriptionStore store, string id, CancellationToken cancellationToken) =>
        await store.GetAsync(Caller.From(http.User).Tenant, id, cancellationToken) is { } s
            ? TypedResults.Ok(SubscriptionView.From(s))
            : Problems.NotFound($"Subscription '{id}'");

    private static async Task<IResult> UpdateAsync(
        HttpContext http, GroupCommitter writer, SubscriptionStore store, string id, CancellationToken cancellationToken)
    {
        var caller = Caller.From(http.User);
        var (body, problem) = await JsonBody.ReadAsync<SubscriptionRequest>(http.Request, cancellationToken);
        if (body is null)
        {
            return problem!;
        }

        var errors = new List<FieldError>();
        var input = Validate(body, secretRequired: false, errors);
        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var updated = await writer.WriteAsync(ctx => store.Update(ctx, caller.Tenant, id, input.Url, input.Secret, input.MinSeverity, input.Types, caller.Id),
            cancellationToken);
        return updated is null ? Problems.NotFound($"Subscription '{id}'") : TypedResults.Ok(SubscriptionView.From(updated));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, GroupCommitter writer, SubscriptionStore store, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        return await writer.WriteAsync(ctx => store.Delete(ctx, tenant, id), cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound($"Subscription '{id}'");
    }

    private sealed record Input(string Url, string? Secret, string MinSeverity, IReadOnlyList<string> Types);

    private static Input Validate(SubscriptionRequest body, bool secretRequired, List<FieldError> errors)
    {
        var url = body.Url?.Trim() ?? "";
        if (url.Length is 0 or > MaxUrlLength || !Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0 || uri.UserInfo.Length > 0)
        {
            errors.Add(new FieldError(null, "url", $"is required: an absolute http or https URL without credentials, at most {MaxUrlLength} characters"));
        }

        var secret = body.Secret;
        if ((secret is null && secretRequired)
            || (secret is not null && (secret.Length < MinSecretLength || secret.Length > MaxSecretLength || secret.Any(char.IsControl))))
        {
            errors.Add(new FieldError(null, "secret",
                $"{(secretRequired ? "is required: " : "must be ")}{MinSecretLength} to {MaxSecretLength} printable characters (the HMAC-SHA256 key deliveries are signed with)"));
        }

        var minSeverity = body.MinSeverity ?? AlertSeverity.Low;
        if (AlertSeverity.Rank(minSeverity) < 0)
        {
            errors.Add(new FieldError(null, "minSeverity", $"must be one of {string.Join(", ", AlertSeverity.All)}"));
        }

        var types = new List<string>();
        if (body.Types is null)
        {
            types.AddRange(Types);
        }
        else if (body.Types.Count == 0)
        {
            errors.Add(new FieldError(null, "types", $"must list at least one of {string.Join(", ", Types)} (leave it out for all)"));
        }
        else
        {
            for (var i = 0; i < body.Types.Count; i++)
            {
                if (body.Types[i] is { } t && Types.Contains(t))
                {
                    if (!types.Contains(t))
                    {
                        types.Add(t);
                    }
                }
                else
                {
                    errors.Add(new FieldError(null, $"types[{i}]", $"'{body.Types[i]}' is not one of {string.Join(", ", Types)}"));
                }
            }
        }

        return new Input(url, secret, minSeverity, types);
    }
}

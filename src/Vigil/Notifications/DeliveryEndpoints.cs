using System.Globalization;
using Vigil.Api;
using Vigil.Domain;
using Vigil.Security;
using Vigil.Storage.Notifications;
using Vigil.Storage.Writes;

namespace Vigil.Notifications;

/// <summary>
/// The delivery log under <c>/api/v1/notifications/deliveries</c>: newest first, filtered by subscription and status
/// (policy read); a failed delivery can be sent again (policy manage).
/// </summary>
public static class DeliveryEndpoints
{
    public sealed record DeliveryView(
        string Id, string SubscriptionId, string Event, string AlertId, string MessageId, string Status, int Attempts, string? LastError,
        int? ResponseStatus, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? DeliveredAt)
    {
        public static DeliveryView From(Delivery d) => new(d.Id, d.SubscriptionId, d.EventType, d.AlertId, d.MessageId, d.Status, d.Attempts,
            d.LastError, d.ResponseStatus, d.CreatedAt, d.UpdatedAt, d.DeliveredAt);
    }

    public sealed record Page(IReadOnlyList<DeliveryView> Items, string? NextCursor);

    public static RouteGroupBuilder MapNotificationDeliveries(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/notifications/deliveries").WithTags("Notifications");
        group.MapGet("/", ListAsync).RequireAuthorization(Access.Read).Produces<Page>().ProducesProblem(422);
        group.MapGet("/{id}", async (HttpContext http, DeliveryStore store, string id, CancellationToken ct) =>
                await store.GetAsync(Caller.From(http.User).Tenant, id, ct) is { } d ? (IResult)TypedResults.Ok(DeliveryView.From(d)) : Problems.NotFound($"Delivery '{id}'"))
            .RequireAuthorization(Access.Read).Produces<DeliveryView>().ProducesProblem(404);
        group.MapPost("/{id}/redeliver", RedeliverAsync).RequireAuthorization(Access.Manage)
            .Produces<DeliveryView>(StatusCodes.Status202Accepted).ProducesProblem(404).ProducesProblem(409);
        return group;
    }

    private static async Task<IResult> ListAsync(
        HttpContext http, DeliveryStore store, string? subscriptionId, string? status, string? cursor, string? limit, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        FieldRules.Id(subscriptionId, "subscriptionId", errors);
        if (status is not null)
        {
            FieldRules.OneOf(status, "status", DeliveryStatus.All, "", errors);
        }

        var take = FieldRules.Limit(limit, errors, max: 500);
        var before = FieldRules.SeqCursor(cursor, errors);

        if (errors.Count > 0)
        {
            return Problems.Invalid(errors);
        }

        var page = await store.ListAsync(Caller.From(http.User).Tenant, subscriptionId, status, before, take, cancellationToken);
        return TypedResults.Ok(new Page([.. page.Items.Select(DeliveryView.From)], page.Next?.ToString(CultureInfo.InvariantCulture)));
    }

    private static async Task<IResult> RedeliverAsync(
        HttpContext http, GroupCommitter writer, DeliveryStore store, IServiceProvider services, string id, CancellationToken cancellationToken)
    {
        var tenant = Caller.From(http.User).Tenant;
        var result = await writer.WriteAsync(ctx => DeliveryStore.Redeliver(ctx, tenant, id), cancellationToken);
        switch (result)
        {
            case DeliveryStore.RedeliverResult.NotFound:
                return Problems.NotFound($"Delivery '{id}'");
            case DeliveryStore.RedeliverResult.NotFailed:
                return Problems.Create(StatusCodes.Status409Conflict, "Conflict",
                    $"Delivery '{id}' is not failed (or its subscription was deleted); only a failed delivery of a subscription can be redelivered.");
        }

        // In a process that also dispatches (embedded mode), send now; elsewhere the notify role finds it at its next look.
        services.GetService<DeliveryDispatcher>()?.Wake();
        var delivery = await store.GetAsync(tenant, id, cancellationToken);
        return TypedResults.Accepted($"/api/v1/notifications/deliveries/{id}", DeliveryView.From(delivery!));
    }
}

using Dapper;
using Vigil.Domain;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Notifications;

/// <summary>A customer's webhook: where alert transitions go, the secret they are signed with, and which ones it wants.</summary>
public sealed record Subscription(
    string Id, string CustomerId, string Url, string Secret, string MinSeverity, IReadOnlyList<string> Types,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>Webhook subscriptions (table <c>notification_subscriptions</c>), scoped to their customer.</summary>
public sealed class SubscriptionStore(IDatabase db)
{
    private sealed record Row(string Id, string CustomerId, string Url, string Secret, string MinSeverity, string Types, long CreatedAt, long UpdatedAt)
    {
        public Subscription ToSubscription() => new(Id, CustomerId, Url, Secret, MinSeverity,
            Types.Split(' ', StringSplitOptions.RemoveEmptyEntries), EventTime.FromMicros(CreatedAt), EventTime.FromMicros(UpdatedAt));
    }

    private const string Columns =
        "id, customer_id AS CustomerId, url, secret, min_severity AS MinSeverity, types, created_at AS CreatedAt, updated_at AS UpdatedAt";

    public Subscription Create(WriteContext ctx, string customerId, string url, string secret, string minSeverity, IReadOnlyList<string> types, string by)
    {
        var now = EventTime.Truncate(ctx.Now);
        var subscription = new Subscription(Identifiers.New(), customerId, url, secret, minSeverity, types, now, now);
        ctx.Connection.Execute(
            """
            INSERT INTO notification_subscriptions (id, customer_id, url, secret, min_severity, types, created_at, updated_at, updated_by)
            VALUES (@id, @customerId, @url, @secret, @minSeverity, @types, @now, @now, @by)
            """,
            new { id = subscription.Id, customerId, url, secret, minSeverity, types = string.Join(' ', types), now = EventTime.ToMicros(now), by },
            ctx.Transaction);
        return subscription;
    }

    /// <summary>Replaces a subscription's settings; a null <paramref name="secret"/> keeps the one it has. Null when the customer has no such subscription.</summary>
    public Subscription? Update(
        WriteContext ctx, string customerId, string id, string url, string? secret, string minSeverity, IReadOnlyList<string> types, string by)
    {
        var changed = ctx.Connection.Execute(
            """
            UPDATE notification_subscriptions
            SET url = @url, secret = COALESCE(@secret, secret), min_severity = @minSeverity, types = @types, updated_at = @now, updated_by = @by
            WHERE customer_id = @customerId AND id = @id
            """,
            new { customerId, id, url, secret, minSeverity, types = string.Join(' ', types), now = EventTime.ToMicros(ctx.Now), by },
            ctx.Transaction);
        return changed == 0 ? null : Find(ctx, customerId, id);
    }

    /// <summary>Deletes a subscription; its deliveries not yet sent fail ("subscription deleted"), the log keeps them. False when there was none.</summary>
    public bool Delete(WriteContext ctx, string customerId, string id)
    {
        var deleted = ctx.Connection.Execute(
            "DELETE FROM notification_subscriptions WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction);
        if (deleted > 0)
        {
            ctx.Connection.Execute(
                """
                UPDATE notification_deliveries SET status = 'failed', last_error = 'subscription deleted', updated_at = @now, leased_until = NULL
                WHERE subscription_id = @id AND status = 'pending'
                """,
                new { id, now = EventTime.ToMicros(ctx.Now) }, ctx.Transaction);
        }

        return deleted > 0;
    }

    /// <summary>The customer's subscriptions as the write transaction sees them (the notify consumer's view).</summary>
    public IReadOnlyList<Subscription> ForCustomer(WriteContext ctx, string customerId) =>
        [.. ctx.Connection.Query<Row>($"SELECT {Columns} FROM notification_subscriptions WHERE customer_id = @customerId ORDER BY id",
            new { customerId }, ctx.Transaction).Select(r => r.ToSubscription())];

    public async Task<IReadOnlyList<Subscription>> ListAsync(string customerId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM notification_subscriptions WHERE customer_id = @customerId ORDER BY id", new { customerId },
            cancellationToken: cancellationToken));
        return [.. rows.Select(r => r.ToSubscription())];
    }

    public async Task<Subscription?> GetAsync(string customerId, string id, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM notification_subscriptions WHERE customer_id = @customerId AND id = @id", new { customerId, id },
            cancellationToken: cancellationToken));
        return row?.ToSubscription();
    }

    private static Subscription? Find(WriteContext ctx, string customerId, string id) =>
        ctx.Connection.QuerySingleOrDefault<Row>($"SELECT {Columns} FROM notification_subscriptions WHERE customer_id = @customerId AND id = @id",
            new { customerId, id }, ctx.Transaction)?.ToSubscription();
}

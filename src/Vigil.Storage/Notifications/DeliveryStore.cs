using Dapper;
using Vigil.Domain;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Notifications;

/// <summary>Where a delivery stands: waiting to be sent (or being retried), sent with a 2xx answer, or given up on.</summary>
public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public static IReadOnlyList<string> All { get; } = [Pending, Delivered, Failed];
}

/// <summary>One alert transition for one subscription: the exact JSON body sent (and signed), and how sending it went.</summary>
public sealed record Delivery(
    long Seq, string Id, string CustomerId, string SubscriptionId, string MessageId, string PatientKey, string EventType, string AlertId,
    string Body, string Status, int Attempts, string? LastError, int? ResponseStatus, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    DateTimeOffset? DeliveredAt);

/// <summary>A delivery due to be sent, with where to and the secret to sign it with.</summary>
public sealed record DueDelivery(string Id, string SubscriptionId, string PatientKey, string EventType, string Body, int Attempts, string Url, string Secret, string? TraceParent = null);

/// <summary>
/// The delivery log (table <c>notification_deliveries</c>): rows written by the notify consumer in its offset's
/// transaction, claimed and updated by the dispatcher, listed and redelivered through the API.
/// </summary>
public sealed class DeliveryStore(IDatabase db)
{
    private sealed record Row(
        long Seq, string Id, string CustomerId, string SubscriptionId, string MessageId, string PatientKey, string EventType, string AlertId,
        string Body, string Status, long Attempts, string? LastError, long? ResponseStatus, long CreatedAt, long UpdatedAt, long? DeliveredAt)
    {
        public Delivery ToDelivery() => new(Seq, Id, CustomerId, SubscriptionId, MessageId, PatientKey, EventType, AlertId, Body, Status,
            (int)Attempts, LastError, (int?)ResponseStatus, EventTime.FromMicros(CreatedAt), EventTime.FromMicros(UpdatedAt),
            DeliveredAt is { } d ? EventTime.FromMicros(d) : null);
    }

    private sealed record DueRow(string Id, string SubscriptionId, string PatientKey, string EventType, string Body, long Attempts, string Url, string Secret, string? TraceParent);

    private const string Columns =
        """
        seq, id, customer_id AS CustomerId, subscription_id AS SubscriptionId, message_id AS MessageId, patient_key AS PatientKey,
        event_type AS EventType, alert_id AS AlertId, body, status, attempts, last_error AS LastError, response_status AS ResponseStatus,
        created_at AS CreatedAt, updated_at AS UpdatedAt, delivered_at AS DeliveredAt
        """;

    /// <summary>A delivery to write: which subscription, which log message, and the body to send.</summary>
    public sealed record NewDelivery(string Id, string CustomerId, string SubscriptionId, string MessageId, string PatientKey, string EventType, string AlertId, string Body, string? TraceParent = null);

    /// <summary>Records pending deliveries; one already recorded for the same subscription and message is kept as it is.</summary>
    public static void Record(WriteContext ctx, IReadOnlyList<NewDelivery> deliveries)
    {
        var now = EventTime.ToMicros(ctx.Now);
        foreach (var d in deliveries)
        {
            ctx.Connection.Execute(
                """
                INSERT INTO notification_deliveries
                    (id, customer_id, subscription_id, message_id, patient_key, event_type, alert_id, body, status, attempts, created_at, updated_at, traceparent)
                VALUES (@Id, @CustomerId, @SubscriptionId, @MessageId, @PatientKey, @EventType, @AlertId, @Body, 'pending', 0, @now, @now, @TraceParent)
                ON CONFLICT (subscription_id, message_id) DO NOTHING
                """,
                new { d.Id, d.CustomerId, d.SubscriptionId, d.MessageId, d.PatientKey, d.EventType, d.AlertId, d.Body, d.TraceParent, now }, ctx.Transaction);
        }
    }

    /// <summary>
    /// Pending deliveries that are first in their lane (subscription and patient: nothing earlier of the lane is still
    /// pending, so one patient's transitions go out in order) and not leased, oldest first, leaving out the
    /// subscriptions in <paramref name="busy"/> (those with as much in flight as they may have).
    /// </summary>
    public async Task<IReadOnlyList<DueDelivery>> DueAsync(DateTimeOffset now, IReadOnlyCollection<string> busy, int limit, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = await c.QueryAsync<DueRow>(new CommandDefinition(
            $"""
            SELECT d.id, d.subscription_id AS SubscriptionId, d.patient_key AS PatientKey, d.event_type AS EventType, d.body, d.attempts, s.url, s.secret, d.traceparent AS TraceParent
            FROM notification_deliveries d JOIN notification_subscriptions s ON s.id = d.subscription_id
            WHERE d.status = 'pending' AND (d.leased_until IS NULL OR d.leased_until < @now)
              {(busy.Count > 0 ? "AND d.subscription_id NOT IN @busy" : "")}
              AND NOT EXISTS (SELECT 1 FROM notification_deliveries e
                              WHERE e.subscription_id = d.subscription_id AND e.patient_key = d.patient_key AND e.status = 'pending' AND e.seq < d.seq)
            ORDER BY d.seq
            LIMIT @limit
            """, new { now = EventTime.ToMicros(now), busy, limit }, cancellationToken: cancellationToken));
        return [.. rows.Select(r => new DueDelivery(r.Id, r.SubscriptionId, r.PatientKey, r.EventType, r.Body, (int)r.Attempts, r.Url, r.Secret, r.TraceParent))];
    }

    /// <summary>Leases a pending delivery to this dispatcher until <paramref name="until"/>; false when another holds it or it is no longer pending.</summary>
    public static bool Claim(WriteContext ctx, string id, DateTimeOffset until) =>
        ctx.Connection.Execute(
            """
            UPDATE notification_deliveries SET leased_until = @until
            WHERE id = @id AND status = 'pending' AND (leased_until IS NULL OR leased_until < @now)
            """,
            new { id, until = EventTime.ToMicros(until), now = EventTime.ToMicros(ctx.Now) }, ctx.Transaction) == 1;

    /// <summary>An attempt failed and another follows: count it, keep why, and extend the lease.</summary>
    public static void Attempted(WriteContext ctx, string id, int attempts, string error, int? responseStatus, DateTimeOffset leaseUntil) =>
        ctx.Connection.Execute(
            """
            UPDATE notification_deliveries SET attempts = @attempts, last_error = @error, response_status = @responseStatus, updated_at = @now,
                leased_until = @leaseUntil
            WHERE id = @id AND status = 'pending'
            """,
            new { id, attempts, error, responseStatus, now = EventTime.ToMicros(ctx.Now), leaseUntil = EventTime.ToMicros(leaseUntil) }, ctx.Transaction);

    /// <summary>The last attempt: delivered (a 2xx answer) or failed for good.</summary>
    public static void Finished(WriteContext ctx, string id, bool delivered, int attempts, string? error, int? responseStatus) =>
        ctx.Connection.Execute(
            """
            UPDATE notification_deliveries SET status = @status, attempts = @attempts, last_error = @error, response_status = @responseStatus,
                updated_at = @now, delivered_at = @deliveredAt, leased_until = NULL
            WHERE id = @id AND status = 'pending'
            """,
            new
            {
                id, status = delivered ? DeliveryStatus.Delivered : DeliveryStatus.Failed, attempts, error, responseStatus,
                now = EventTime.ToMicros(ctx.Now), deliveredAt = delivered ? EventTime.ToMicros(ctx.Now) : (long?)null,
            }, ctx.Transaction);

    /// <summary>How a redelivery request went.</summary>
    public enum RedeliverResult
    {
        Pending,
        NotFound,
        NotFailed,
    }

    /// <summary>Puts a failed delivery of the customer back to pending (its attempts and last error stay as a record).</summary>
    public static RedeliverResult Redeliver(WriteContext ctx, string customerId, string id)
    {
        var status = ctx.Connection.ExecuteScalar<string?>(
            "SELECT status FROM notification_deliveries WHERE customer_id = @customerId AND id = @id", new { customerId, id }, ctx.Transaction);
        if (status is null)
        {
            return RedeliverResult.NotFound;
        }

        if (status != DeliveryStatus.Failed)
        {
            return RedeliverResult.NotFailed;
        }

        var subscribed = ctx.Connection.ExecuteScalar<long>(
            """
            SELECT COUNT(*) FROM notification_deliveries d JOIN notification_subscriptions s ON s.id = d.subscription_id WHERE d.id = @id
            """, new { id }, ctx.Transaction);
        if (subscribed == 0)
        {
            return RedeliverResult.NotFailed;
        }

        ctx.Connection.Execute(
            "UPDATE notification_deliveries SET status = 'pending', updated_at = @now, leased_until = NULL WHERE id = @id",
            new { id, now = EventTime.ToMicros(ctx.Now) }, ctx.Transaction);
        return RedeliverResult.Pending;
    }

    /// <summary>A page of the customer's deliveries, newest first, and the cursor of the next page.</summary>
    public sealed record Page(IReadOnlyList<Delivery> Items, long? Next);

    public async Task<Page> ListAsync(
        string customerId, string? subscriptionId, string? status, long? before, int limit, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var rows = (await c.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM notification_deliveries
            WHERE customer_id = @customerId
              AND (@subscriptionId IS NULL OR subscription_id = @subscriptionId)
              AND (@status IS NULL OR status = @status)
              AND seq < @before
            ORDER BY seq DESC
            LIMIT @take
            """, new { customerId, subscriptionId, status, before = before ?? long.MaxValue, take = limit + 1 },
            cancellationToken: cancellationToken))).ToList();
        var items = rows.Take(limit).Select(r => r.ToDelivery()).ToList();
        return new Page(items, rows.Count > limit ? items[^1].Seq : null);
    }

    public async Task<Delivery?> GetAsync(string customerId, string id, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var row = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM notification_deliveries WHERE customer_id = @customerId AND id = @id", new { customerId, id },
            cancellationToken: cancellationToken));
        return row?.ToDelivery();
    }
}

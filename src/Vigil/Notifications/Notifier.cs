using Vigil.Domain;
using Vigil.Domain.Alerts;
using Vigil.Domain.Log;
using Vigil.Processing;
using Vigil.Storage.EventLog;
using Vigil.Storage.Notifications;
using Vigil.Storage.Writes;

namespace Vigil.Notifications;

/// <summary>
/// The notify role's consumer group on <c>alerts</c>: for each transition, one pending delivery per matching
/// subscription of the alert's customer, written in the transaction that moves the group's offset (so each exactly
/// once). It only writes rows: sending is the <see cref="DeliveryDispatcher"/>'s, so no endpoint can hold it up.
/// </summary>
public sealed class Notifier(
    IEventLog log, Writers writers, TimeProvider clock, SubscriptionStore subscriptions, DeliveryDispatcher dispatcher, ILogger<Notifier> logger)
    : LogConsumerService(log, writers.For(Group), clock, logger)
{
    public const string Group = "notify";

    protected override string GroupId => Group;

    protected override IReadOnlyList<string> Topics => [Domain.Log.Topics.Alerts];

    protected override void Handle(WriteContext ctx, IReadOnlyList<ConsumedMessage> messages)
    {
        var byCustomer = ctx.Item("notify.subscriptions", () => new Dictionary<string, IReadOnlyList<Subscription>>());
        var deliveries = new List<DeliveryStore.NewDelivery>();
        foreach (var message in messages)
        {
            var transition = TransitionMessage.Decode(message.Payload);
            if (!byCustomer.TryGetValue(transition.CustomerId, out var candidates))
            {
                byCustomer[transition.CustomerId] = candidates = subscriptions.ForCustomer(ctx, transition.CustomerId);
            }

            foreach (var subscription in candidates)
            {
                if (Matches(subscription, transition))
                {
                    var id = Identifiers.New();
                    deliveries.Add(new DeliveryStore.NewDelivery(id, transition.CustomerId, subscription.Id, transition.MessageId, transition.Key,
                        transition.Type, transition.AlertId, WebhookBody.For(id, subscription.Id, transition), transition.TraceParent));
                }
            }
        }

        if (deliveries.Count > 0)
        {
            DeliveryStore.Record(ctx, deliveries);
            ctx.OnCommitted(dispatcher.Wake);
        }
    }

    public static bool Matches(Subscription subscription, TransitionMessage transition) =>
        subscription.Types.Contains(transition.Type) && AlertSeverity.Rank(transition.Severity) >= AlertSeverity.Rank(subscription.MinSeverity);
}

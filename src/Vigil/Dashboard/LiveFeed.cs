using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Vigil.Storage.Live;

namespace Vigil.Dashboard;

/// <summary>
/// The dashboard's live feed: hears which patients a committed transaction changed (<see cref="PatientChanges"/>,
/// raised in this process on SQLite and by <see cref="PostgresChangeListener"/> on PostgreSQL), re-reads their tiles
/// and hands them to every open stream of their customer. Changes that arrive while a read runs are gathered and read
/// together next, so under load the feed reads once per round rather than once per change, with no timer.
/// </summary>
public sealed class LiveFeed : BackgroundService
{
    private readonly WardTiles _tiles;
    private readonly JsonSerializerOptions _json;
    private readonly ILogger<LiveFeed> _logger;
    private readonly Lock _gate = new();
    private readonly HashSet<(string CustomerId, string PatientId)> _pending = [];
    private readonly Dictionary<string, List<Subscription>> _subscribers = [];
    private readonly Dictionary<(string CustomerId, string PatientId), string> _alertSignatures = [];
    private readonly SemaphoreSlim _wake = new(0, 1);
    private int _open;

    public LiveFeed(PatientChanges changes, WardTiles tiles, IOptions<JsonOptions> json, ILogger<LiveFeed> logger)
    {
        _json = json.Value.SerializerOptions;
        _tiles = tiles;
        _logger = logger;
        changes.Changed += OnChanged;
    }

    /// <summary>One event of a stream: a tile, or the news that a patient's open alerts changed; <see cref="Json"/> serialized once for every stream.</summary>
    public sealed record LiveEvent(string Name, string Json);

    /// <summary>An open stream's subscription: its events wait in <see cref="Events"/>; dispose to leave.</summary>
    public sealed class Subscription(LiveFeed feed, string customerId) : IDisposable
    {
        // A stream that falls far behind loses its oldest updates, never the newest: a tile event carries the whole tile.
        internal Channel<LiveEvent> Channel { get; } = System.Threading.Channels.Channel.CreateBounded<LiveEvent>(
            new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        public string CustomerId { get; } = customerId;

        public ChannelReader<LiveEvent> Events => Channel.Reader;

        public void Dispose() => feed.Leave(this);
    }

    /// <summary>Opens a subscription to the changes of <paramref name="customerId"/>'s patients.</summary>
    public Subscription Subscribe(string customerId)
    {
        var subscription = new Subscription(this, customerId);
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(customerId, out var list))
            {
                _subscribers[customerId] = list = [];
            }

            list.Add(subscription);
            _open++;
        }

        return subscription;
    }

    /// <summary>How many streams are open (for tests and diagnostics).</summary>
    public int Subscribers
    {
        get
        {
            return Volatile.Read(ref _open);
        }
    }

    private void Leave(Subscription subscription)
    {
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(subscription.CustomerId, out var list) || !list.Remove(subscription))
            {
                return;
            }

            _open--;
            if (list.Count == 0)
            {
                _subscribers.Remove(subscription.CustomerId);
                foreach (var key in _alertSignatures.Keys.Where(k => k.CustomerId == subscription.CustomerId).ToList())
                {
                    _alertSignatures.Remove(key);
                }
            }
        }

        subscription.Channel.Writer.TryComplete();
    }

    /// <summary>On the committing (or listening) thread: only note the patients of customers someone watches, and wake the reader.</summary>
    private void OnChanged(IReadOnlyCollection<(string CustomerId, string PatientId)> patients)
    {
        // Nobody watches (the common case on a server without open dashboards): nothing to note, no lock taken.
        if (Volatile.Read(ref _open) == 0)
        {
            return;
        }

        var any = false;
        lock (_gate)
        {
            foreach (var patient in patients)
            {
                if (_subscribers.ContainsKey(patient.CustomerId))
                {
                    any |= _pending.Add(patient);
                }
            }
        }

        if (any && _wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already woken.
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _wake.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            List<IGrouping<string, (string CustomerId, string PatientId)>> round;
            lock (_gate)
            {
                round = [.. _pending.GroupBy(p => p.CustomerId)];
                _pending.Clear();
            }

            foreach (var customer in round)
            {
                try
                {
                    await PushAsync(customer.Key, [.. customer.Select(p => p.PatientId)], stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // The store did not answer: the streams miss this round; the next change of these patients brings them up to date.
                    _logger.LogWarning(e, "Live feed: reading {Count} tiles of customer {Customer} failed", customer.Count(), customer.Key);
                }
            }
        }
    }

    private async Task PushAsync(string customerId, IReadOnlyCollection<string> patientIds, CancellationToken cancellationToken)
    {
        var tiles = await _tiles.ReadAsync(customerId, patientIds, cancellationToken);
        lock (_gate)
        {
            if (!_subscribers.TryGetValue(customerId, out var subscribers))
            {
                return;
            }

            foreach (var tile in tiles.Values)
            {
                var key = (customerId, tile.PatientId);
                var signature = tile.AlertSignature;
                var alertsChanged = !_alertSignatures.TryGetValue(key, out var known) || known != signature;
                _alertSignatures[key] = signature;
                var tileEvent = new LiveEvent("tile", JsonSerializer.Serialize(tile, _json));
                var alertsEvent = alertsChanged ? new LiveEvent("alerts", JsonSerializer.Serialize(new { tile.PatientId, tile.Alerts }, _json)) : null;
                foreach (var subscriber in subscribers)
                {
                    subscriber.Channel.Writer.TryWrite(tileEvent);
                    if (alertsEvent is not null)
                    {
                        subscriber.Channel.Writer.TryWrite(alertsEvent);
                    }
                }
            }
        }
    }
}

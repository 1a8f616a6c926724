using Npgsql;
using Vigil.Storage.Live;
using Vigil.Storage.Postgres;

namespace Vigil.Dashboard;

/// <summary>
/// In distributed mode the analyzer commits in another process: this service holds one PostgreSQL session that
/// <c>LISTEN</c>s on <see cref="PatientChanges.Channel"/> and raises each notification in this process, where the
/// <see cref="LiveFeed"/> hears it. PostgreSQL delivers a notification only once its transaction has committed, so the
/// tiles read after it show the change. A lost session is opened again (with backoff); what was announced meanwhile
/// is missed, and the dashboard catches up with the patients' next change.
/// </summary>
public sealed class PostgresChangeListener(PostgresDatabase db, PatientChanges changes, ILogger<PostgresChangeListener> logger) : BackgroundService
{
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the session listens (the first time).</summary>
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.DataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) => changes.Raise([.. PatientChanges.Parse(e.Payload)]);
                await using (var listen = new NpgsqlCommand($"LISTEN {PatientChanges.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                _listening.TrySetResult();
                delay = TimeSpan.FromMilliseconds(100);
                while (true)
                {
                    // A quiet minute: check the session still answers, so a silently dropped one is noticed and opened again.
                    if (!await connection.WaitAsync(TimeSpan.FromMinutes(1), stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Live feed: the PostgreSQL listener lost its session; listening again in {Delay}", delay);
                await Task.Delay(delay, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(10).Ticks));
            }
        }
    }
}

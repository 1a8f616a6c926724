using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Vigil.Storage.Live;
using Vigil.Storage.Postgres;
using Vigil.Storage.Tests.Distributed;
using Vigil.Storage.Tests.Postgres;
using Vigil.Storage.Writes;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Dashboard;

/// <summary>
/// <see cref="PatientChanges"/> on a real PostgreSQL server: announcements reach another session only when the writer's
/// transaction commits, never for a rolled-back job, and a list too long for one notification arrives whole.
/// </summary>
public sealed class PatientChangesTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    [Fact]
    public async Task A_committed_change_reaches_a_listening_session_whole_and_a_rolled_back_one_never()
    {
        await using var test = await PostgresTestDatabase.CreateAsync(server);
        await using var db = new PostgresDatabase(test.ConnectionString);
        await using var writer = new GroupCommitter(db.OpenWriter, TimeProvider.System, NullLogger<GroupCommitter>.Instance);
        var changes = new PatientChanges();
        var heard = new List<(string, string)>();
        await using var listener = await test.OpenAsync();
        listener.Notification += (_, e) =>
        {
            lock (heard)
            {
                heard.AddRange(PatientChanges.Parse(e.Payload));
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {PatientChanges.Channel}", listener))
        {
            await listen.ExecuteNonQueryAsync(Http.Ct);
        }

        // A job that throws after publishing is rolled back: nothing is announced. The next job commits 400 patients
        // with long ids (about 40 KB, several notifications).
        var many = Enumerable.Range(0, 400).Select(i => ("customer-" + new string('c', 40), $"patient-{i:D4}-" + new string('p', 40))).ToList();
        await Should.ThrowAsync<InvalidOperationException>(writer.WriteAsync(ctx =>
        {
            changes.Publish(ctx, [("rolled", "back")]);
            throw new InvalidOperationException("refused");
        }, Http.Ct));
        await writer.WriteAsync(ctx => changes.Publish(ctx, many), Http.Ct);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Http.Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        while (true)
        {
            lock (heard)
            {
                if (heard.Count >= many.Count)
                {
                    break;
                }
            }

            // Returns once the session has delivered at least one notification.
            await listener.WaitAsync(deadline.Token);
        }

        // Notifications arrive in commit order: had the refused job's been sent, it would have come before these.
        heard.ShouldBe(many, ignoreOrder: true);
        heard.ShouldNotContain(("rolled", "back"));
    }
}

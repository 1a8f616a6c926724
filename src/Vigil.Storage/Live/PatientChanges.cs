using System.Text;
using Vigil.Storage.Writes;

namespace Vigil.Storage.Live;

/// <summary>
/// Tells live views (the dashboard's stream) which patients a committed transaction changed: readings analysed,
/// scores, alert transitions. On SQLite the writer is in this process, so the change is raised here once the
/// transaction commits. On PostgreSQL the writer may be another process: the change goes out as one
/// <c>pg_notify</c> on <see cref="Channel"/> inside the transaction, which PostgreSQL delivers to every listening
/// session only if and when the transaction commits; the dashboard's listener raises it in its own process.
/// Either way a rolled-back attempt announces nothing, and an announcement never comes before the data is readable.
/// <paramref name="publish"/> false (setting <c>Dashboard:Notify</c>) turns announcements off, live views with them.
/// </summary>
public sealed class PatientChanges(bool publish = true)
{
    /// <summary>The PostgreSQL notification channel.</summary>
    public const string Channel = "vigil_patients";

    // PostgreSQL refuses payloads of 8000 bytes or more; a longer list goes out in several notifications.
    private const int MaxPayloadBytes = 7900;

    /// <summary>
    /// Raised with the (customer id, patient id) pairs of a committed change, on the committing thread (SQLite) or the
    /// listener's (PostgreSQL). Handlers must be quick and must not throw: queue the work.
    /// </summary>
    public event Action<IReadOnlyCollection<(string CustomerId, string PatientId)>>? Changed;

    /// <summary>Whether anyone in this process listens; on SQLite nothing is done for a change no one would hear.</summary>
    public bool HasListeners => Changed is not null;

    /// <summary>
    /// Announces that the transaction of <paramref name="ctx"/> changed <paramref name="patients"/> (distinct pairs):
    /// one notification per call, delivered on commit, never if the transaction rolls back.
    /// </summary>
    public void Publish(WriteContext ctx, IReadOnlyCollection<(string CustomerId, string PatientId)> patients)
    {
        if (!Publishes(ctx) || patients.Count == 0)
        {
            return;
        }

        if (ctx.Dialect == SqlDialect.Postgres)
        {
            Notify(ctx, patients);
        }
        else
        {
            ctx.OnCommitted(() => Raise(patients));
        }
    }

    /// <summary>
    /// Whether <see cref="Publish"/> in <paramref name="ctx"/> announces anything: a caller can skip gathering the
    /// patients when it does not (announcements off, or SQLite with no one listening in this process).
    /// </summary>
    public bool Publishes(WriteContext ctx) => publish && (ctx.Dialect == SqlDialect.Postgres || Changed is not null);

    /// <summary>Raises <see cref="Changed"/>: for the PostgreSQL listener, and for <see cref="Publish"/> after commit.</summary>
    public void Raise(IReadOnlyCollection<(string CustomerId, string PatientId)> patients) => Changed?.Invoke(patients);

    /// <summary>The notification payload: one <c>customerId/patientId</c> per line (ids contain neither '/' nor a line break).</summary>
    public static IEnumerable<(string CustomerId, string PatientId)> Parse(string payload)
    {
        foreach (var line in payload.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var slash = line.IndexOf('/');
            if (slash > 0 && slash < line.Length - 1)
            {
                yield return (line[..slash], line[(slash + 1)..]);
            }
        }
    }

    private static void Notify(WriteContext ctx, IReadOnlyCollection<(string CustomerId, string PatientId)> patients)
    {
        var payloads = new List<string>();
        var current = new StringBuilder();
        var bytes = 0;
        foreach (var (customerId, patientId) in patients)
        {
            var line = customerId + "/" + patientId;
            var lineBytes = Encoding.UTF8.GetByteCount(line) + 1;
            if (current.Length > 0 && bytes + lineBytes > MaxPayloadBytes)
            {
                payloads.Add(current.ToString());
                current.Clear();
                bytes = 0;
            }

            current.Append(line).Append('\n');
            bytes += lineBytes;
        }

        payloads.Add(current.ToString());
        using var command = ctx.CreateCommand(string.Join(", ", payloads.Select((_, i) => $"pg_notify('{Channel}', @p{i})")).Insert(0, "SELECT "));
        for (var i = 0; i < payloads.Count; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "p" + i;
            parameter.Value = payloads[i];
            command.Parameters.Add(parameter);
        }

        command.ExecuteNonQuery();
    }
}

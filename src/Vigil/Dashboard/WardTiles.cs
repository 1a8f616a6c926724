using Dapper;
using Vigil.Domain;
using Vigil.Storage;

namespace Vigil.Dashboard;

/// <summary>
/// Reads ward tiles from the stores the analyze role writes: the latest vitals from the hourly window aggregates (the
/// newest window of a type holds its latest reading as <c>last</c>), the latest NEWS2 score, the open alerts. Four
/// queries for any number of patients, so the live feed can re-read a whole round's patients at once.
/// </summary>
public sealed class WardTiles(IDatabase db)
{
    /// <summary>At most this many patients per ward read.</summary>
    public const int MaxPatients = 500;

    /// <summary>The active patients of a department (of the whole customer when <paramref name="departmentId"/> is null), by name.</summary>
    public async Task<IReadOnlyList<WardTile>> WardAsync(string customerId, string? departmentId, CancellationToken cancellationToken)
    {
        await using var c = db.Open();
        var ids = (await c.QueryAsync<string>(new CommandDefinition(
            $"""
            SELECT id FROM patients
            WHERE customer_id = @customerId AND status = 'active' {(departmentId is null ? "" : "AND department_id = @departmentId")}
            ORDER BY name, id LIMIT @limit
            """,
            new { customerId, departmentId, limit = MaxPatients }, cancellationToken: cancellationToken))).AsList();
        var tiles = await ReadAsync(customerId, ids, cancellationToken);
        return [.. ids.Where(tiles.ContainsKey).Select(id => tiles[id])];
    }

    /// <summary>The tiles of <paramref name="patientIds"/> (of one customer) that exist, by patient id.</summary>
    public async Task<IReadOnlyDictionary<string, WardTile>> ReadAsync(string customerId, IReadOnlyCollection<string> patientIds, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, WardTile>();
        if (patientIds.Count == 0)
        {
            return result;
        }

        await using var c = db.Open();
        var args = new { customerId, ids = patientIds.ToArray(), types = WardTile.VitalTypes.ToArray() };
        var patients = await c.QueryAsync<PatientRow>(new CommandDefinition(
            $"SELECT id, name, mrn, department_id AS DepartmentId, status FROM patients WHERE customer_id = @customerId AND {In("id", "ids")}",
            args, cancellationToken: cancellationToken));
        var vitals = (await c.QueryAsync<VitalRow>(new CommandDefinition(
            $"""
            SELECT w.patient_id AS PatientId, w.type, w.last, w.last_at AS LastAt FROM window_aggregates w
            WHERE w.customer_id = @customerId AND {In("w.patient_id", "ids")} AND w.size = '1h' AND {In("w.type", "types")}
              AND w.window_start = (SELECT MAX(x.window_start) FROM window_aggregates x
                                    WHERE x.customer_id = w.customer_id AND x.patient_id = w.patient_id AND x.type = w.type AND x.size = '1h')
            """,
            args, cancellationToken: cancellationToken))).ToLookup(v => v.PatientId);
        var scores = (await c.QueryAsync<ScoreRow>(new CommandDefinition(
            $"""
            SELECT s.patient_id AS PatientId, s.score, s.risk, s.complete, s.at FROM news2_scores s
            WHERE s.customer_id = @customerId AND {In("s.patient_id", "ids")}
              AND s.seq = (SELECT x.seq FROM news2_scores x WHERE x.customer_id = s.customer_id AND x.patient_id = s.patient_id
                           ORDER BY x.at DESC, x.seq DESC LIMIT 1)
            """,
            args, cancellationToken: cancellationToken))).ToDictionary(s => s.PatientId);
        var alerts = (await c.QueryAsync<AlertRow>(new CommandDefinition(
            $"""
            SELECT patient_id AS PatientId, id, rule, severity, status, message, created_at AS CreatedAt FROM alerts
            WHERE customer_id = @customerId AND {In("patient_id", "ids")} AND status <> 'resolved'
            ORDER BY created_at
            """,
            args, cancellationToken: cancellationToken))).ToLookup(a => a.PatientId);
        foreach (var p in patients)
        {
            var tileVitals = vitals[p.Id].ToDictionary(v => v.Type, v => new WardTile.Vital(v.Last, EventTime.FromMicros(v.LastAt)));
            var score = scores.TryGetValue(p.Id, out var s)
                ? new WardTile.Score((int)s.Score, s.Risk, s.Complete == 1, EventTime.FromMicros(s.At))
                : null;
            var open = alerts[p.Id]
                .Select(a => new WardTile.OpenAlert(a.Id, a.Rule, a.Severity, a.Status, a.Message, EventTime.FromMicros(a.CreatedAt)))
                .OrderByDescending(a => Domain.Alerts.AlertSeverity.Rank(a.Severity)).ThenBy(a => a.CreatedAt)
                .ToList();
            result[p.Id] = new WardTile(p.Id, p.Name, p.Mrn, p.DepartmentId, p.Status, tileVitals, score, open);
        }

        return result;
    }

    /// <summary>A list condition: PostgreSQL takes the array as one parameter; on SQLite Dapper expands the list.</summary>
    private string In(string column, string parameter) =>
        db.Dialect == SqlDialect.Postgres ? $"{column} = ANY(@{parameter})" : $"{column} IN @{parameter}";

    private sealed record PatientRow(string Id, string Name, string? Mrn, string? DepartmentId, string Status);

    private sealed record VitalRow(string PatientId, string Type, double Last, long LastAt);

    private sealed record ScoreRow(string PatientId, long Score, string Risk, long Complete, long At);

    private sealed record AlertRow(string PatientId, string Id, string Rule, string Severity, string Status, string Message, long CreatedAt);
}

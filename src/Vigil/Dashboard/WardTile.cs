namespace Vigil.Dashboard;

/// <summary>
/// What a ward tile shows of one patient: the latest value of each tile vital (by event time), the latest NEWS2
/// score, and the patient's open alerts.
/// </summary>
public sealed record WardTile(
    string PatientId, string Name, string? Mrn, string? DepartmentId, string Status,
    IReadOnlyDictionary<string, WardTile.Vital> Vitals, WardTile.Score? News2, IReadOnlyList<WardTile.OpenAlert> Alerts)
{
    /// <summary>The vital types a tile shows, in its order.</summary>
    public static readonly IReadOnlyList<string> VitalTypes =
        ["heart_rate", "spo2", "respiratory_rate", "systolic_bp", "diastolic_bp", "temperature"];

    public sealed record Vital(double Value, DateTimeOffset At);

    public sealed record Score(int Value, string Risk, bool Complete, DateTimeOffset At);

    public sealed record OpenAlert(string Id, string Rule, string Severity, string Status, string Message, DateTimeOffset CreatedAt);

    /// <summary>What identifies the tile's alert state: the live feed announces an alert change when it moves.</summary>
    public string AlertSignature => string.Join(";", Alerts.Select(a => $"{a.Id}:{a.Status}:{a.Severity}"));
}

namespace Vigil.Domain.Insights;

/// <summary>
/// The structured query a question becomes, whichever parser read it; Vigil validates and runs only this.
/// <list type="bullet">
/// <item><c>vital_statistic</c>: one patient, one vital (or <c>news2</c>), one statistic over [from, to).</item>
/// <item><c>patients_where</c>: the customer's active patients (of one department, if named) whose latest NEWS2 or vital compares with a threshold.</item>
/// <item><c>alerts</c>: alerts of a status (active, acknowledged, open), of one patient or department if named, created in [from, to) if bounded.</item>
/// </list>
/// </summary>
public sealed record AskQuery(
    string Intent,
    string? Patient = null,
    string? Department = null,
    string? Vital = null,
    string? Statistic = null,
    string? Comparison = null,
    double? Threshold = null,
    string? Status = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null)
{
    public const string VitalStatistic = "vital_statistic";
    public const string PatientsWhere = "patients_where";
    public const string Alerts = "alerts";

    /// <summary>The NEWS2 score, asked about as if it were a vital.</summary>
    public const string News2 = "news2";

    public static IReadOnlyList<string> Intents { get; } = [VitalStatistic, PatientsWhere, Alerts];

    public static IReadOnlyList<string> Statistics { get; } = ["average", "min", "max", "latest", "count", "trend"];

    public static IReadOnlyList<string> Comparisons { get; } = [">=", ">", "<=", "<", "="];

    public static IReadOnlyList<string> AlertStatuses { get; } = ["active", "acknowledged", "open"];

    /// <summary>Whether <paramref name="value"/> satisfies this query's comparison with its threshold.</summary>
    public bool Compare(double value) => Comparison switch
    {
        ">=" => value >= Threshold,
        ">" => value > Threshold,
        "<=" => value <= Threshold,
        "<" => value < Threshold,
        _ => value == Threshold,
    };
}

namespace Vigil.Domain.Alerts;

/// <summary>Where a set of threshold rules applies: a whole customer, one department, or one patient.</summary>
public sealed record ThresholdScope(string Kind, string Id)
{
    public const string Customer = "customer";
    public const string Department = "department";
    public const string Patient = "patient";

    /// <summary>Scope kinds from least to most specific.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [Customer, Department, Patient];
}

namespace Vigil.Processing.Alerts;

/// <summary>Settings of alerting (section "Alerts").</summary>
public sealed class AlertOptions
{
    public const string Section = "Alerts";

    /// <summary>How long a condition must stay clear before its alert resolves by itself.</summary>
    public TimeSpan AutoResolveAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often silent devices and cleared conditions are checked against the clock.</summary>
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(30);
}

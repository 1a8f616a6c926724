using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Vigil.Domain.Diagnostics;

/// <summary>
/// The one <see cref="Meter"/> and the one <see cref="ActivitySource"/> named "Vigil" that every project records into
/// (docs/observability.md). Instruments are created beside the code that records them; the host exports them.
/// </summary>
public static class VigilTelemetry
{
    public const string Name = "Vigil";

    public static readonly Meter Meter = new(Name);

    public static readonly ActivitySource Source = new(Name);

    private static readonly string[] Numbers = [.. Enumerable.Range(0, 256).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>A partition number as a tag value without boxing or formatting it on every measurement.</summary>
    public static string Partition(int partition) =>
        (uint)partition < (uint)Numbers.Length ? Numbers[partition] : partition.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

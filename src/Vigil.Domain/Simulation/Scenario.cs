namespace Vigil.Domain.Simulation;

/// <summary>The course a synthetic patient follows; <see cref="Mixed"/> deals the others out in a ward's proportions.</summary>
public static class Scenario
{
    /// <summary>Normal physiology around the patient's baseline: should raise no alerts.</summary>
    public const string Stable = "stable";

    /// <summary>Sepsis-like deterioration: rising pulse, respiration and temperature, falling pressure, then confusion.</summary>
    public const string Sepsis = "sepsis";

    /// <summary>Falling SpO2 with compensating tachypnoea and tachycardia; supplemental oxygen once it is marked.</summary>
    public const string Hypoxia = "hypoxia";

    /// <summary>A pulse sinking to the low thirties.</summary>
    public const string Bradycardia = "bradycardia";

    /// <summary>Stable until the monitor is disconnected, after which nothing is sent (a data gap).</summary>
    public const string Disconnect = "disconnect";

    /// <summary>A ward: mostly stable patients with a few of each of the others.</summary>
    public const string Mixed = "mixed";

    /// <summary>The scenarios one patient can follow.</summary>
    public static IReadOnlyList<string> Courses { get; } = [Stable, Sepsis, Hypoxia, Bradycardia, Disconnect];

    /// <summary>Every name a run or a patient accepts.</summary>
    public static IReadOnlyList<string> All { get; } = [.. Courses, Mixed];

    /// <summary>
    /// The course of patient <paramref name="index"/> under <paramref name="scenario"/>. Mixed deals in blocks of ten
    /// (seven stable, one sepsis, one hypoxia, and bradycardia and disconnect in alternate blocks), so any ward of ten
    /// or more holds every course; the order is fixed, not random, so a ward's shape does not depend on the seed.
    /// </summary>
    public static string ForPatient(string scenario, int index)
    {
        if (scenario != Mixed)
        {
            return scenario;
        }

        return (index % 10) switch
        {
            2 => Sepsis,
            5 => Hypoxia,
            8 => index / 10 % 2 == 0 ? Bradycardia : Disconnect,
            _ => Stable,
        };
    }
}

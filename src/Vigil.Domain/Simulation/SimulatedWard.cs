namespace Vigil.Domain.Simulation;

/// <summary>
/// The synthetic patients of one run: patient <c>i</c> gets the id <c>{prefix}{i+1:000}</c>, a seed derived from the
/// run's seed and <c>i</c>, and the course <see cref="Scenario.ForPatient"/> deals it.
/// </summary>
public static class SimulatedWard
{
    public static IReadOnlyList<SimulatedPatient> Create(
        string prefix, int count, string scenario, int seed, DateTimeOffset start, CourseTiming? timing = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!Scenario.All.Contains(scenario))
        {
            throw new ArgumentException($"'{scenario}' is not a scenario; one of {string.Join(", ", Scenario.All)}", nameof(scenario));
        }

        return [.. Enumerable.Range(0, count).Select(i =>
            new SimulatedPatient($"{prefix}{i + 1:000}", PatientSeed(seed, i), Scenario.ForPatient(scenario, i), start, timing))];
    }

    /// <summary>A stable per-patient seed (not <see cref="HashCode"/>, which changes from process to process).</summary>
    public static int PatientSeed(int seed, int index) => unchecked((seed * 1_000_003) + (index * 7_919) + 17);
}

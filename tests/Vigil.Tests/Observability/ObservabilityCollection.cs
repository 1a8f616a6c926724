namespace Vigil.Tests.Observability;

/// <summary>
/// Vigil's counters belong to the process (one meter, as in production), so tests that assert how far they moved run
/// alone, after the tests that run in parallel: no other test's server moves them meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ObservabilityCollection
{
    public const string Name = "Observability";
}

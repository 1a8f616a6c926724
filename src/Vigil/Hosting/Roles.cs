namespace Vigil.Hosting;

/// <summary>What a Vigil process can run; <c>--roles</c> picks any subset (Grafana Loki's <c>-target</c>).</summary>
public enum ProcessRole
{
    Ingest,
    Enrich,
    Analyze,
    Process,
    Notify,
    Api,
    Hl7,
}

/// <summary>The parts a role turns on: endpoint groups and hosted services.</summary>
public enum Module
{
    /// <summary><c>POST /api/v1/readings</c>, <c>POST /api/v1/events</c> and gRPC <c>vigil.v1.IngestService</c>.</summary>
    IngestEndpoints,
    ReadingEnricher,
    Analyzer,
    AlertSweeper,
    EventProcessor,
    /// <summary>
    /// Reference data, API keys, queries, thresholds, alerts, notification subscriptions and the delivery log, DLQ,
    /// timeline and the OpenAPI document; gRPC
    /// <c>vigil.v1.QueryService</c> and <c>AlertService</c>.
    /// </summary>
    ApiEndpoints,
    /// <summary>FHIR R4 <c>POST /fhir/Observation</c> and <c>POST /fhir</c> (Bundles).</summary>
    FhirIngest,
    /// <summary>FHIR R4 Observation read, search and <c>$lastn</c>.</summary>
    FhirQueries,
    /// <summary>The HL7 v2 MLLP listener (ORU^R01 readings).</summary>
    Hl7Listener,
    /// <summary>Alert webhooks: the <c>notify</c> consumer group on <c>alerts</c> and the delivery dispatcher.</summary>
    Notifier,
}

/// <summary>The role table: which modules each role turns on. Health endpoints and authentication are always on.</summary>
public static class Roles
{
    public const string All = "all";

    public static IReadOnlyList<Module> ModulesOf(ProcessRole role) => role switch
    {
        ProcessRole.Ingest => [Module.IngestEndpoints, Module.FhirIngest],
        ProcessRole.Enrich => [Module.ReadingEnricher],
        ProcessRole.Analyze => [Module.Analyzer, Module.AlertSweeper],
        ProcessRole.Process => [Module.EventProcessor],
        ProcessRole.Notify => [Module.Notifier],
        ProcessRole.Api => [Module.ApiEndpoints, Module.FhirQueries],
        ProcessRole.Hl7 => [Module.Hl7Listener],
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    public static string Name(ProcessRole role) => role.ToString().ToLowerInvariant();

    /// <summary>
    /// Parses <c>ingest,enrich,...</c> (or <c>all</c>, alone or in the list) into roles in table order; an unknown or
    /// empty list is a <see cref="StartupException"/> naming the roles there are.
    /// </summary>
    public static IReadOnlyList<ProcessRole> Parse(string? value)
    {
        var names = (value ?? All).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0)
        {
            throw new StartupException($"no roles given (--roles, Vigil:Roles); roles: {Known}");
        }

        var roles = new HashSet<ProcessRole>();
        foreach (var name in names)
        {
            if (string.Equals(name, All, StringComparison.OrdinalIgnoreCase))
            {
                roles.UnionWith(Enum.GetValues<ProcessRole>());
            }
            else if (Enum.GetValues<ProcessRole>().Cast<ProcessRole?>().FirstOrDefault(r => string.Equals(Name(r!.Value), name, StringComparison.OrdinalIgnoreCase))
                     is { } role)
            {
                roles.Add(role);
            }
            else
            {
                throw new StartupException($"unknown role '{name}' (--roles, Vigil:Roles); roles: {Known}");
            }
        }

        return [.. Enum.GetValues<ProcessRole>().Where(roles.Contains)];
    }

    private static string Known => string.Join(", ", Enum.GetValues<ProcessRole>().Select(Name)) + ", " + All;
}

/// <summary>A setting that keeps Vigil from starting: the CLI prints its one-line message and exits with code 2.</summary>
public sealed class StartupException(string message) : Exception(message);

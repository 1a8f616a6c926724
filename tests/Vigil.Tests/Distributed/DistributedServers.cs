namespace Vigil.Tests.Distributed;

/// <summary>
/// The test PostgreSQL and Kafka (scripts/test-deps, docs/testing.md): where they are, from VIGIL_TEST_POSTGRES and
/// VIGIL_TEST_KAFKA or the env file the scripts write. Missing ones fail the test under CI=true and skip it otherwise.
/// </summary>
internal static class DistributedServers
{
    public static (string Postgres, string Kafka) Require()
    {
        var postgres = Setting("VIGIL_TEST_POSTGRES");
        var kafka = Setting("VIGIL_TEST_KAFKA");
        if (postgres is null || kafka is null)
        {
            const string how = "start them with `for s in scripts/test-deps/*.sh; do bash $s; done` (./test.sh does)";
            var message = $"the test PostgreSQL and Kafka are not configured (VIGIL_TEST_POSTGRES, VIGIL_TEST_KAFKA); {how}";
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                Assert.Fail(message);
            }

            Assert.Skip(message);
        }

        return (postgres!, kafka!);
    }

    /// <summary>Client settings the test broker needs (Kafka 0.9 cannot tell its API versions), as key=value pairs.</summary>
    public static IEnumerable<string> KafkaClientSettings() =>
        (Environment.GetEnvironmentVariable("VIGIL_TEST_KAFKA_CLIENT") ?? "api.version.request=false;broker.version.fallback=0.9.0.1")
        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string? Setting(string name)
    {
        if (Environment.GetEnvironmentVariable(name) is { Length: > 0 } value)
        {
            return value;
        }

        // The env file the test-deps scripts write, found from the test binaries up to the repository root.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var file = Path.Combine(dir.FullName, "artifacts", "test-deps", "env");
            if (File.Exists(file))
            {
                foreach (var line in File.ReadAllLines(file))
                {
                    if (line.StartsWith(name + "=", StringComparison.Ordinal))
                    {
                        return line[(name.Length + 1)..].Trim('\'', '"');
                    }
                }
            }
        }

        return null;
    }
}

using System.Diagnostics.CodeAnalysis;

namespace Vigil.Storage.Tests.Distributed;

/// <summary>
/// Where the test PostgreSQL and Kafka servers are. test.sh starts them (scripts/test-deps) and exports
/// VIGIL_TEST_POSTGRES and VIGIL_TEST_KAFKA; a variable set by hand points the tests at another server. When a variable
/// is unset the tests read artifacts/test-deps/env themselves, so `dotnet test` finds servers that
/// `VIGIL_KEEP_DEPS=1 ./test.sh` left running.
/// </summary>
internal static class TestServers
{
    public const string PostgresVariable = "VIGIL_TEST_POSTGRES";
    public const string KafkaVariable = "VIGIL_TEST_KAFKA";

    private static readonly Lazy<IReadOnlyDictionary<string, string>> EnvFile = new(ReadEnvFile);

    public static string? Setting(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : EnvFile.Value.GetValueOrDefault(name);

    /// <summary>
    /// Ends a test whose server is missing: a failure under CI=true, where the servers must be there, and otherwise a
    /// skip that says how to start it. Never a pass.
    /// </summary>
    [DoesNotReturn]
    public static void Unavailable(string server, string problem, string script)
    {
        var message = $"{server} is not available: {problem}. Start it with `{script}` (or run ./test.sh, which starts "
            + "every test server; VIGIL_KEEP_DEPS=1 keeps them running afterwards).";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    private static Dictionary<string, string> ReadEnvFile()
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "Vigil.slnx")))
            {
                continue;
            }

            var file = Path.Combine(dir.FullName, "artifacts", "test-deps", "env");
            if (File.Exists(file))
            {
                // Lines the scripts write: NAME='value'.
                foreach (var line in File.ReadLines(file))
                {
                    var equals = line.IndexOf('=', StringComparison.Ordinal);
                    if (equals > 0)
                    {
                        settings[line[..equals]] = line[(equals + 1)..].Trim('\'');
                    }
                }
            }

            break;
        }

        return settings;
    }
}

using Confluent.Kafka;

namespace Vigil.Storage.Tests.Distributed;

/// <summary>
/// The test Kafka broker, probed once per test class (<see cref="TestServers"/>). It is Apache Kafka 0.9.0.1
/// (scripts/test-deps/kafka.sh), which cannot tell a client its API versions, so the client settings say them:
/// the default of VIGIL_TEST_KAFKA_CLIENT. Point VIGIL_TEST_KAFKA at a newer broker and set VIGIL_TEST_KAFKA_CLIENT to ""
/// (or to that broker's own settings, "key=value;key=value").
/// </summary>
public sealed class KafkaServer : IAsyncLifetime
{
    public const string ClientVariable = "VIGIL_TEST_KAFKA_CLIENT";
    private const string Kafka09Client = "api.version.request=false;broker.version.fallback=0.9.0.1";

    private string? _bootstrapServers;
    private string _problem = $"{TestServers.KafkaVariable} is not set, nor in artifacts/test-deps/env";

    /// <summary>
    /// Client settings for the test broker, for producers, consumers and admin clients alike; ends the test (skip, or
    /// failure under CI=true) when the broker is unreachable. A new instance each time: the ProducerConfig and
    /// ConsumerConfig made from one share its settings, so a producer setting would leak into the consumer.
    /// </summary>
    public ClientConfig ClientConfig
    {
        get
        {
            if (_bootstrapServers is null)
            {
                TestServers.Unavailable("Kafka", _problem, "scripts/test-deps/kafka.sh");
            }

            return CreateConfig(_bootstrapServers);
        }
    }

    /// <summary>Whether the broker answered; when false, <see cref="ClientConfig"/> ends the test.</summary>
    public bool Available => _bootstrapServers is not null;

    public ValueTask InitializeAsync()
    {
        if (TestServers.Setting(TestServers.KafkaVariable) is not { } bootstrapServers)
        {
            return ValueTask.CompletedTask;
        }

        try
        {
            using var admin = new AdminClientBuilder(CreateConfig(bootstrapServers)).SetLogHandler((_, _) => { }).Build();
            var metadata = admin.GetMetadata(TimeSpan.FromSeconds(5));
            if (metadata.Brokers.Count == 0)
            {
                _problem = $"{bootstrapServers} answers but lists no brokers";
                return ValueTask.CompletedTask;
            }

            _bootstrapServers = bootstrapServers;
        }
        catch (KafkaException e)
        {
            _problem = $"no answer from {bootstrapServers} ({e.Error.Reason})";
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The client settings for the test broker as key=value pairs (VIGIL_TEST_KAFKA_CLIENT, else Kafka 0.9's).</summary>
    public static IReadOnlyList<string> ClientSettings() =>
        (Environment.GetEnvironmentVariable(ClientVariable) ?? Kafka09Client)
        .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static ClientConfig CreateConfig(string bootstrapServers)
    {
        var config = new ClientConfig { BootstrapServers = bootstrapServers };
        foreach (var setting in ClientSettings())
        {
            var parts = setting.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                throw new InvalidOperationException($"{ClientVariable}: '{setting}' is not key=value");
            }

            config.Set(parts[0], parts[1]);
        }

        return config;
    }
}

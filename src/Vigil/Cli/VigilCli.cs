using System.CommandLine;
using Vigil.Hosting;
using Vigil.Storage.Migrations;

namespace Vigil.Cli;

/// <summary>
/// The <c>vigil</c> command line: <c>serve</c> runs Vigil, <c>migrate</c> brings a database's schema up to date,
/// <c>simulate</c> streams a synthetic ward to a running Vigil.
/// </summary>
public static class VigilCli
{
    private const string Vigil = VigilOptions.Section;

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Vigil: medical telemetry. Ingests vital signs and clinical events, stores them durably, streams, scores and alerts.")
        {
            Serve(),
            Migrate(),
            Simulation.SimulateCommand.Create(),
        };

        // The host handles SIGTERM/SIGINT itself and drains in-flight work; the parser must not cut that short.
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
    }

    private static Option<string> DataDirOption() => new("--data-dir")
    {
        Description = "Directory for the SQLite database, the embedded event log and the bootstrap admin key (default: ./data)",
    };

    private static Option<string> StorageOption() => new("--storage") { Description = "The store: sqlite (default) or postgres" };

    private static Option<string> ConnectionStringOption() => new("--connection-string")
    {
        Description = "PostgreSQL connection string (\"Host=...;Database=...;Username=...;Password=...\"), with --storage postgres",
    };

    private static Command Serve()
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on (default: http://127.0.0.1:8080)" };
        var dataDir = DataDirOption();
        var roles = new Option<string>("--roles") { Description = "Roles to run, comma-separated: ingest, enrich, analyze, process, notify, api, hl7, or all (default)" };
        var storage = StorageOption();
        var connectionString = ConnectionStringOption();
        var log = new Option<string>("--log") { Description = "The event log: embedded (default) or kafka" };
        var kafkaBootstrap = new Option<string>("--kafka-bootstrap") { Description = "Kafka bootstrap servers, host:port[,host:port], with --log kafka" };
        var kafkaConfig = new Option<string[]>("--kafka-config")
        {
            Description = "A Kafka client setting as key=value (repeatable), passed to the client as it is",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var hl7Port = new Option<int?>("--hl7-port") { Description = "The HL7 v2 MLLP listener's TCP port (default: 2575), with the hl7 role" };
        var hl7Address = new Option<string>("--hl7-address") { Description = "The address the HL7 listener binds (default: 127.0.0.1)" };
        var demo = new Option<bool>("--demo")
        {
            Description = "Also run a simulated ward of 24 patients in a demo customer, print the dashboard address and a demo key (docs/simulator.md)",
        };
        var otlpEndpoint = new Option<string>("--otlp-endpoint")
        {
            Description = "Send traces over OTLP/HTTP to this collector, e.g. http://127.0.0.1:4318 (default: off, or OTEL_EXPORTER_OTLP_ENDPOINT)",
        };
        var logFormat = new Option<string>("--log-format") { Description = "Console log format: json (default, with trace and span ids) or simple" };
        var shutdownTimeout = new Option<double?>("--shutdown-timeout")
        {
            Description = "Seconds a stopping process lets in-flight requests and work finish before it exits (default: 30)",
        };
        var jwtJwksFile = new Option<string>("--jwt-jwks-file") { Description = "Accept bearer tokens signed by the keys of this JWKS file (docs/security.md)" };
        var jwtJwksUrl = new Option<string>("--jwt-jwks-url") { Description = "Accept bearer tokens signed by the keys this JWKS address serves" };
        var jwtIssuer = new Option<string>("--jwt-issuer") { Description = "The iss bearer tokens must carry" };
        var jwtAudience = new Option<string>("--jwt-audience") { Description = "The aud bearer tokens must include" };
        var tlsCert = new Option<string>("--tls-cert") { Description = "Serve HTTPS with this certificate: PEM (with --tls-key) or PKCS#12 (with --tls-password)" };
        var tlsKey = new Option<string>("--tls-key") { Description = "The PEM private key of --tls-cert" };
        var tlsPassword = new Option<string>("--tls-password") { Description = "The password of a PKCS#12 --tls-cert or an encrypted --tls-key" };
        var trustedProxies = new Option<string>("--trusted-proxies")
        {
            Description = "Reverse proxies whose X-Forwarded-For and X-Forwarded-Proto count: addresses and CIDR networks, comma-separated (default: none)",
        };
        var command = new Command("serve", "Run Vigil: every role in one process (the default), or the roles --roles names")
        {
            urls, dataDir, roles, storage, connectionString, log, kafkaBootstrap, kafkaConfig, hl7Port, hl7Address, demo, otlpEndpoint, logFormat,
            shutdownTimeout, jwtJwksFile, jwtJwksUrl, jwtIssuer, jwtAudience, tlsCert, tlsKey, tlsPassword, trustedProxies,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (result, cancellationToken) =>
        {
            try
            {
                var settings = new Dictionary<string, string?>
                {
                    ["urls"] = result.GetValue(urls),
                    [$"{Vigil}:DataDir"] = result.GetValue(dataDir),
                    [$"{Vigil}:Roles"] = result.GetValue(roles),
                    [$"{Vigil}:Storage"] = result.GetValue(storage),
                    [$"{Vigil}:ConnectionString"] = result.GetValue(connectionString),
                    [$"{Vigil}:Log"] = result.GetValue(log),
                    [$"{Vigil}:KafkaBootstrap"] = result.GetValue(kafkaBootstrap),
                    [$"{Vigil}:Hl7:Port"] = result.GetValue(hl7Port)?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [$"{Vigil}:Hl7:Address"] = result.GetValue(hl7Address),
                    [$"{Vigil}:Demo"] = result.GetValue(demo) ? "true" : null,
                    [$"{Vigil}:Telemetry:OtlpEndpoint"] = result.GetValue(otlpEndpoint),
                    [$"{Vigil}:Telemetry:LogFormat"] = result.GetValue(logFormat),
                    [$"{Vigil}:Telemetry:ShutdownTimeoutSeconds"] = result.GetValue(shutdownTimeout)?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    [$"{Vigil}:Jwt:JwksFile"] = result.GetValue(jwtJwksFile),
                    [$"{Vigil}:Jwt:JwksUrl"] = result.GetValue(jwtJwksUrl),
                    [$"{Vigil}:Jwt:Issuer"] = result.GetValue(jwtIssuer),
                    [$"{Vigil}:Jwt:Audience"] = result.GetValue(jwtAudience),
                    [$"{Vigil}:Tls:CertificatePath"] = result.GetValue(tlsCert),
                    [$"{Vigil}:Tls:KeyPath"] = result.GetValue(tlsKey),
                    [$"{Vigil}:Tls:Password"] = result.GetValue(tlsPassword),
                    [$"{Vigil}:TrustedProxies"] = result.GetValue(trustedProxies),
                };
                foreach (var (key, value) in KafkaSettings(result.GetValue(kafkaConfig)))
                {
                    settings[$"{Vigil}:KafkaConfig:{key}"] = value;
                }

                var app = VigilApp.Build(result.UnmatchedTokens.ToArray(), settings: settings);
                await VigilApp.RunAsync(app, cancellationToken);
                return 0;
            }
            catch (Exception e) when (e is StartupException or MigrationException or InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
            {
                await Console.Error.WriteLineAsync($"vigil: {e.Message}");
                return 2;
            }
            catch (System.Data.Common.DbException e)
            {
                await Console.Error.WriteLineAsync($"vigil: cannot reach the database: {FirstLine(e.Message)}");
                return Unreachable;
            }
        });
        return command;
    }

    private static Command Migrate()
    {
        var dataDir = DataDirOption();
        var storage = StorageOption();
        var connectionString = ConnectionStringOption();
        var command = new Command("migrate", "Apply the database migrations and exit") { dataDir, storage, connectionString };
        command.SetAction(result =>
        {
            try
            {
                // The same settings as serve: appsettings.json beside the binary, VIGIL_ environment variables, then flags.
                var configuration = new ConfigurationBuilder()
                    .SetBasePath(AppContext.BaseDirectory).AddJsonFile("appsettings.json", optional: true)
                    .AddEnvironmentVariables("VIGIL_")
                    .AddInMemoryCollection(new Dictionary<string, string?>
                    {
                        [$"{Vigil}:DataDir"] = result.GetValue(dataDir),
                        [$"{Vigil}:Storage"] = result.GetValue(storage),
                        [$"{Vigil}:ConnectionString"] = result.GetValue(connectionString),
                    }.Where(s => s.Value is not null))
                    .Build();
                var options = configuration.GetSection(Vigil).Get<VigilOptions>() ?? new VigilOptions();
                var (target, applied) = StorageModule.Migrate(options);
                Console.WriteLine(applied.Count == 0
                    ? $"{target}: schema is up to date."
                    : string.Join(Environment.NewLine, applied.Select(m => $"{target}: applied V{m.Version} {m.Description} ({m.ExecutionMs} ms)")));
                return 0;
            }
            catch (Exception e) when (e is StartupException or MigrationException)
            {
                Console.Error.WriteLine($"vigil migrate: {e.Message}");
                return 2;
            }
            catch (System.Data.Common.DbException e)
            {
                Console.Error.WriteLine($"vigil migrate: cannot reach the database: {FirstLine(e.Message)}");
                return Unreachable;
            }
        });
        return command;
    }

    /// <summary>The exit code when a dependency (the database) does not answer: settings may be right, try again later.</summary>
    public const int Unreachable = 3;

    private static string FirstLine(string message) => message.Split('\n', 2)[0].Trim();

    /// <summary><c>--kafka-config key=value</c>, each one a setting; anything else is a <see cref="StartupException"/>.</summary>
    private static IEnumerable<(string Key, string Value)> KafkaSettings(string[]? values)
    {
        foreach (var value in values ?? [])
        {
            var equals = value.IndexOf('=');
            if (equals <= 0)
            {
                throw new StartupException($"--kafka-config takes key=value, not '{value}'");
            }

            yield return (value[..equals].Trim(), value[(equals + 1)..]);
        }
    }
}

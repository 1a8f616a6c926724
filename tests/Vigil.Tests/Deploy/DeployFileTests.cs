using System.Diagnostics;
using System.Text.Json;

namespace Vigil.Tests.Deploy;

/// <summary>
/// deploy/ is not run here (no Docker engine, no cluster), so it is checked by real parsers: Debian's docker-compose
/// validates the compose file, Debian's PyYAML parses the Kubernetes manifests, and the parsed documents are checked
/// for a Deployment per role probing <c>/health/ready</c>. Both tools come from scripts/test-deps/tools.sh.
/// </summary>
public sealed class DeployFileTests
{
    private static readonly string[] RoleNames = ["ingest", "enrich", "analyze", "process", "notify", "api", "hl7"];

    private static readonly string Root = FindRoot();

    [Fact]
    public async Task Docker_compose_accepts_the_compose_file()
    {
        RequireTool("docker-compose", "docker-compose");

        var (code, output) = await RunAsync("docker-compose", "-f", "deploy/docker-compose.yml", "config", "-q");

        code.ShouldBe(0, output);
    }

    [Fact]
    public async Task The_compose_file_has_kafka_postgres_a_migrate_step_and_a_service_per_role_healthy_on_ready()
    {
        var compose = await ParseYamlAsync("deploy/docker-compose.yml");

        var services = compose[0].GetProperty("services");
        foreach (var name in new[] { "zookeeper", "kafka", "postgres", "migrate" })
        {
            services.TryGetProperty(name, out _).ShouldBeTrue(name);
        }

        services.GetProperty("migrate").GetProperty("command")[0].GetString().ShouldBe("migrate");
        foreach (var role in RoleNames)
        {
            var service = services.GetProperty(role);
            Strings(service.GetProperty("command")).ShouldBe(["serve", "--roles", role, "--storage", "postgres", "--log", "kafka", "--urls", "http://0.0.0.0:8080"]);
            Strings(service.GetProperty("healthcheck").GetProperty("test")).ShouldContain("http://localhost:8080/health/ready");
        }
    }

    [Fact]
    public async Task Every_kubernetes_manifest_parses_and_each_role_has_a_deployment_with_readiness_and_liveness_probes()
    {
        var documents = new List<JsonElement>();
        foreach (var file in Directory.GetFiles(Path.Combine(Root, "deploy", "k8s"), "*.yaml").Order())
        {
            documents.AddRange(await ParseYamlAsync(Path.GetRelativePath(Root, file)));
        }

        foreach (var document in documents)
        {
            document.GetProperty("apiVersion").GetString().ShouldNotBeNullOrEmpty();
            document.GetProperty("kind").GetString().ShouldNotBeNullOrEmpty();
            document.GetProperty("metadata").GetProperty("name").GetString().ShouldNotBeNullOrEmpty();
        }

        var kinds = documents.Select(d => $"{d.GetProperty("kind").GetString()}/{d.GetProperty("metadata").GetProperty("name").GetString()}").ToList();
        kinds.ShouldContain("Job/vigil-migrate");
        kinds.ShouldContain("ConfigMap/vigil-config");
        kinds.ShouldContain("Secret/vigil-database");
        kinds.ShouldContain("Service/vigil-api");
        kinds.ShouldContain("Service/vigil-ingest");
        kinds.ShouldContain("Service/vigil-hl7");
        foreach (var role in RoleNames)
        {
            var deployment = documents.Single(d => d.GetProperty("kind").GetString() == "Deployment" && d.GetProperty("metadata").GetProperty("name").GetString() == $"vigil-{role}");
            var container = deployment.GetProperty("spec").GetProperty("template").GetProperty("spec").GetProperty("containers")[0];
            Strings(container.GetProperty("args")).ShouldBe(["serve", "--roles", role, "--urls", "http://0.0.0.0:8080"]);
            container.GetProperty("readinessProbe").GetProperty("httpGet").GetProperty("path").GetString().ShouldBe("/health/ready");
            container.GetProperty("livenessProbe").GetProperty("httpGet").GetProperty("path").GetString().ShouldBe("/health/live");
        }
    }

    /// <summary>Every YAML document in the file, as JSON, through PyYAML's safe loader.</summary>
    private static async Task<List<JsonElement>> ParseYamlAsync(string relativePath)
    {
        RequireTool("/usr/bin/python3", "python3-yaml");
        const string script = "import json, sys, yaml; print(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))";
        var (code, output) = await RunAsync("/usr/bin/python3", "-c", script, relativePath);
        if (code != 0 && output.Contains("No module named 'yaml'"))
        {
            Missing("python3-yaml");
        }

        code.ShouldBe(0, output);
        using var json = JsonDocument.Parse(output);
        return [.. json.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    private static List<string?> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString())];

    private static void RequireTool(string command, string package)
    {
        var found = Path.IsPathRooted(command)
            ? File.Exists(command)
            : (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, command)));
        if (!found)
        {
            Missing(package);
        }
    }

    /// <summary>Fails under CI=true, where ./test.sh installs the tool; elsewhere the test is skipped with how to get it.</summary>
    private static void Missing(string package)
    {
        var message = $"Debian's {package} is not installed: run scripts/test-deps/tools.sh (./test.sh does) or apt-get install {package}";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    private static async Task<(int Code, string Output)> RunAsync(string command, params string[] args)
    {
        var info = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vigil.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Vigil.slnx not found above " + AppContext.BaseDirectory);
    }
}

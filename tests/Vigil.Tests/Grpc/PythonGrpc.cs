using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using Vigil.Tests.Infrastructure;

namespace Vigil.Tests.Grpc;

/// <summary>
/// Runs vigil_grpc.py, a client on Debian's python3-grpcio and python3-protobuf (an independent gRPC implementation),
/// against a server; each run prints one JSON result. The client learns the messages from a descriptor set that the
/// protoc of Grpc.Tools writes from proto/vigil/v1.
/// </summary>
internal static class PythonGrpc
{
    // Debian's Python packages load only in Debian's interpreter.
    private const string Python = "/usr/bin/python3";

    private static readonly Lazy<bool> ModulesInstalled = new(() =>
    {
        if (!File.Exists(Python))
        {
            return false;
        }

        using var check = Process.Start(new ProcessStartInfo(Python, ["-c", "import grpc, google.protobuf"]) { RedirectStandardError = true })!;
        check.WaitForExit();
        return check.ExitCode == 0;
    });

    private static readonly Lazy<string> Descriptors = new(() =>
    {
        string Metadata(string key) => typeof(PythonGrpc).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
        var root = Metadata("ProtoRoot");
        var output = Path.Combine(Path.GetTempPath(), $"vigil-grpc-{Guid.NewGuid():N}.pb");
        var info = new ProcessStartInfo(Metadata("Protoc")) { RedirectStandardError = true };
        // The well-known types (google/protobuf/any.proto) ship beside protoc in the Grpc.Tools package.
        var wellKnown = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Metadata("Protoc"))!, "..", "..", "build", "native", "include"));
        foreach (var arg in new[] { "--proto_path", root, "--proto_path", wellKnown, "--include_imports", "--descriptor_set_out", output }
                     .Concat(Directory.GetFiles(Path.Combine(root, "vigil", "v1"), "*.proto"))
                     .Concat(Directory.GetFiles(Path.Combine(root, "google", "rpc"), "*.proto")))
        {
            info.ArgumentList.Add(arg);
        }

        using var protoc = Process.Start(info)!;
        var errors = protoc.StandardError.ReadToEnd();
        protoc.WaitForExit();
        protoc.ExitCode.ShouldBe(0, errors);
        return output;
    });

    /// <summary>Fails under CI=true, where ./test.sh installs the client's packages; elsewhere skips with how to get them.</summary>
    public static void Require()
    {
        if (ModulesInstalled.Value)
        {
            return;
        }

        const string message = "Debian's python3-grpcio and python3-protobuf are not installed: run scripts/test-deps/tools.sh (./test.sh does) "
                               + "or apt-get install python3-grpcio python3-protobuf";
        if (Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail(message);
        }

        Assert.Skip(message);
    }

    /// <summary>Runs one command of the client (call, stream, watch) with <paramref name="key"/> as x-api-key and returns its JSON result.</summary>
    public static async Task<JsonElement> RunAsync(string target, string? key, params string[] args)
    {
        using var process = Start(target, key, null, args);
        return await ResultAsync(process);
    }

    public static Process Start(string target, string? key, string? tlsRoot, IEnumerable<string> args)
    {
        Require();
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        var all = new List<string> { Path.Combine(AppContext.BaseDirectory, "vigil_grpc.py"), "--descriptors", Descriptors.Value, "--target", target };
        if (key is not null)
        {
            all.AddRange(["--key", key]);
        }

        if (tlsRoot is not null)
        {
            all.AddRange(["--tls-root", tlsRoot]);
        }

        foreach (var arg in all.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }

        return Process.Start(info)!;
    }

    public static async Task<JsonElement> ResultAsync(Process process)
    {
        var stdout = process.StandardOutput.ReadToEndAsync(Http.Ct);
        var stderr = process.StandardError.ReadToEndAsync(Http.Ct);
        await process.WaitForExitAsync(Http.Ct).WaitAsync(TimeSpan.FromMinutes(3), Http.Ct);
        var output = await stdout;
        process.ExitCode.ShouldBe(0, output + await stderr);
        using var result = JsonDocument.Parse(output);
        return result.RootElement.Clone();
    }

    /// <summary>Calls a unary method with a request written as proto3 JSON.</summary>
    public static Task<JsonElement> CallAsync(string target, string? key, string method, object request, double? timeoutSeconds = null)
    {
        var args = new List<string> { "call", method, "--request", JsonSerializer.Serialize(request) };
        if (timeoutSeconds is { } t)
        {
            args.AddRange(["--timeout", t.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        return RunAsync(target, key, [.. args]);
    }

    public static string Code(this JsonElement result) => result.GetProperty("code").GetString()!;

    public static string Details(this JsonElement result) => result.GetProperty("details").GetString()!;

    public static JsonElement Response(this JsonElement result)
    {
        result.Code().ShouldBe("OK", result.ToString());
        return result.GetProperty("response");
    }

    /// <summary>A proto3 JSON int64 (a string) or int32 (a number), absent when zero.</summary>
    public static long Int(this JsonElement message, string field) =>
        !message.TryGetProperty(field, out var v) ? 0 : v.ValueKind == JsonValueKind.String ? long.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : v.GetInt64();
}

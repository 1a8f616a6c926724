using Microsoft.Extensions.Options;
using Vigil.Domain.Reference;
using Vigil.Storage.Security;
using Vigil.Storage.Writes;

namespace Vigil.Hosting;

/// <summary>
/// On the first start with an empty database, creates a system admin key and writes it to <c>{data-dir}/admin.key</c>
/// with mode 0600. The log names the file, never the key.
/// </summary>
public static class BootstrapAdminKey
{
    public const string FileName = "admin.key";

    public static async Task EnsureAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var keys = services.GetRequiredService<ApiKeyStore>();
        if (await keys.AnyAsync())
        {
            return;
        }

        var dataDir = services.GetRequiredService<IOptions<VigilOptions>>().Value.DataDir;
        var path = Path.GetFullPath(Path.Combine(dataDir, FileName));
        var writer = services.GetRequiredService<GroupCommitter>();
        // The file is written inside the transaction that stores the key, before it commits: if the process dies in
        // between, the database has no key and the next start makes a new one, overwriting the file.
        await writer.WriteAsync(ctx =>
        {
            var (_, key) = keys.Create(ctx, null, "bootstrap admin", Role.Admin, "bootstrap");
            WriteKeyFile(path, key);
        }, cancellationToken);

        services.GetRequiredService<ILoggerFactory>().CreateLogger("Vigil.Bootstrap")
            .LogWarning("Created the bootstrap admin API key and wrote it to {Path} (mode 0600). Use it to create customers and their keys.", path);
    }

    /// <summary>Writes <paramref name="key"/> to <paramref name="path"/>, owner-only (0600), flushed to disk.</summary>
    internal static void WriteKeyFile(string path, string key)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var file = new FileStream(path, options))
        {
            file.Write(System.Text.Encoding.ASCII.GetBytes(key + "\n"));
            file.Flush(flushToDisk: true);
        }

        if (!OperatingSystem.IsWindows())
        {
            // An existing file keeps its old mode on open; make sure it is owner-only.
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

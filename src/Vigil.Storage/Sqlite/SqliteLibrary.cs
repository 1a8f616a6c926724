using System.Reflection;
using System.Runtime.InteropServices;

namespace Vigil.Storage.Sqlite;

/// <summary>
/// Chooses the SQLite library: the operating system's (<c>libsqlite3.so.0</c>, e.g. Debian 12's 3.40.1) when there is
/// one, else the copy bundled with SQLitePCLRaw (3.35.5). The bundled copy is built without <c>HAVE_USLEEP</c>, so every
/// sleep inside SQLite lasts whole seconds: a reader that loses the race for a WAL read lock more than five times in a
/// row waits a full second (walTryBeginRead), which under steady ingest showed as one-second stalls of queries. The
/// system library sleeps for the microseconds SQLite asks for, and gets the distribution's security fixes.
/// <c>VIGIL_SQLITE=bundled</c> forces the bundled copy.
/// </summary>
public static class SqliteLibrary
{
    private static int s_initialized;

    /// <summary>Which library is loaded: "system" or "bundled".</summary>
    public static string Source { get; private set; } = "bundled";

    /// <summary>Sets the choice up and initialises SQLitePCLRaw; must run before anything opens SQLite in the process.</summary>
    public static void Init()
    {
        if (Interlocked.Exchange(ref s_initialized, 1) == 1)
        {
            return;
        }

        NativeLibrary.SetDllImportResolver(typeof(SQLitePCL.SQLite3Provider_e_sqlite3).Assembly, Resolve);
        SQLitePCL.Batteries_V2.Init();
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name == "e_sqlite3" && Environment.GetEnvironmentVariable("VIGIL_SQLITE") != "bundled"
            && OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libsqlite3.so.0", out var system))
        {
            Source = "system";
            return system;
        }

        return 0; // the default search: the bundled e_sqlite3
    }
}

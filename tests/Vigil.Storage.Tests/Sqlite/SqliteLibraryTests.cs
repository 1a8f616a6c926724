using System.Runtime.InteropServices;
using Vigil.Storage.Sqlite;

namespace Vigil.Storage.Tests.Sqlite;

public sealed class SqliteLibraryTests
{
    [Fact]
    public void The_operating_systems_sqlite_is_used_where_there_is_one()
    {
        using var db = new TempDirectory();
        using var connection = new SqliteDatabase(db.Path).Open();
        var version = SQLitePCL.raw.sqlite3_libversion().utf8_to_string();

        if (OperatingSystem.IsLinux() && NativeLibrary.TryLoad("libsqlite3.so.0", out var handle))
        {
            NativeLibrary.Free(handle);
            SqliteLibrary.Source.ShouldBe("system");
            version.ShouldNotBe("3.35.5", "the bundled copy's version");
        }
        else
        {
            SqliteLibrary.Source.ShouldBe("bundled");
        }
    }
}

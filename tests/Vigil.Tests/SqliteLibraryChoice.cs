using System.Runtime.CompilerServices;

namespace Vigil.Tests;

/// <summary>Tests open SQLite directly too: the library is chosen before anything in this assembly loads it, as the product does.</summary>
internal static class SqliteLibraryChoice
{
#pragma warning disable CA2255 // A test assembly is the program here: it must choose the library before any test runs.
    [ModuleInitializer]
    internal static void Init() => Vigil.Storage.Sqlite.SqliteLibrary.Init();
#pragma warning restore CA2255
}

using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Vigil.Storage;

/// <summary>What a database error means, in either dialect.</summary>
public static class DbErrors
{
    /// <summary>A violated uniqueness, foreign-key or check constraint: SQLITE_CONSTRAINT (19), or SQLSTATE class 23.</summary>
    public static bool IsConstraintViolation(DbException e) =>
        e is SqliteException { SqliteErrorCode: 19 } || (e is PostgresException p && p.SqlState.StartsWith("23", StringComparison.Ordinal));
}

using System.Data.Common;

namespace Vigil.Storage;

/// <summary>The SQL spoken by the database under a store: SQLite (embedded mode) or PostgreSQL (distributed mode).</summary>
public enum SqlDialect
{
    Sqlite,
    Postgres,
}

/// <summary>
/// The database a Vigil process stores into: SQLite in the data directory, or PostgreSQL. Stores write their SQL once
/// for both where the two agree (nearly everywhere: both take <c>ON CONFLICT ... DO UPDATE</c>, <c>RETURNING</c>,
/// partial indexes and <c>LIMIT</c>); what differs is decided by <see cref="Dialect"/> in one place each.
/// </summary>
public interface IDatabase
{
    SqlDialect Dialect { get; }

    /// <summary>An open connection for reads (pooled).</summary>
    DbConnection Open();

    /// <summary>The group writer's connection.</summary>
    DbConnection OpenWriter();
}

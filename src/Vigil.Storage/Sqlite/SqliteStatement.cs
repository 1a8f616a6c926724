using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Vigil.Storage.Sqlite;

/// <summary>
/// A statement prepared once on the writer's connection and bound by position through SQLite's own API. The ADO.NET
/// provider looks every parameter up by name on every execution (a linear scan inside SQLite), which made the ingest
/// path spend most of its time binding; this is the hot-path alternative. It runs inside whatever transaction the
/// connection has open.
/// </summary>
public sealed class SqliteStatement : Statement
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _stmt;

    public SqliteStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
    }

    public override Statement Bind(int index, string? value)
    {
        Check(value is null ? raw.sqlite3_bind_null(_stmt, index) : raw.sqlite3_bind_text(_stmt, index, value));
        return this;
    }

    public override Statement Bind(int index, long value)
    {
        Check(raw.sqlite3_bind_int64(_stmt, index, value));
        return this;
    }

    public override Statement Bind(int index, double? value)
    {
        Check(value is { } v ? raw.sqlite3_bind_double(_stmt, index, v) : raw.sqlite3_bind_null(_stmt, index));
        return this;
    }

    public override Statement Bind(int index, ReadOnlySpan<byte> blob)
    {
        Check(raw.sqlite3_bind_blob(_stmt, index, blob));
        return this;
    }

    /// <summary>Runs the statement to completion, resets it for the next use, and returns the rows it changed.</summary>
    public override int Execute()
    {
        try
        {
            var rc = raw.sqlite3_step(_stmt);
            if (rc != raw.SQLITE_DONE && rc != raw.SQLITE_ROW)
            {
                Check(rc);
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    /// <summary>Steps to the first row and hands it to <paramref name="read"/>; false when there is none.</summary>
    public override bool QueryFirst(Action<Statement> read)
    {
        try
        {
            var rc = raw.sqlite3_step(_stmt);
            if (rc == raw.SQLITE_DONE)
            {
                return false;
            }

            if (rc != raw.SQLITE_ROW)
            {
                Check(rc);
            }

            read(this);
            return true;
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    /// <summary>Steps through every row, handing each to <paramref name="read"/>.</summary>
    public override void QueryAll(Action<Statement> read)
    {
        try
        {
            int rc;
            while ((rc = raw.sqlite3_step(_stmt)) == raw.SQLITE_ROW)
            {
                read(this);
            }

            if (rc != raw.SQLITE_DONE)
            {
                Check(rc);
            }
        }
        finally
        {
            raw.sqlite3_reset(_stmt);
        }
    }

    public override bool IsNull(int column) => raw.sqlite3_column_type(_stmt, column) == raw.SQLITE_NULL;

    public override long Int64(int column) => raw.sqlite3_column_int64(_stmt, column);

    public override double Double(int column) => raw.sqlite3_column_double(_stmt, column);

    public override string? Text(int column) => IsNull(column) ? null : raw.sqlite3_column_text(_stmt, column).utf8_to_string();

    /// <summary>The rowid of the last row this connection inserted.</summary>
    public long LastInsertRowId => raw.sqlite3_last_insert_rowid(_db);

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(_db));
        }
    }

    public override void Dispose() => _stmt.Dispose();
}

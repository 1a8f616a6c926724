using Dapper;
using Microsoft.Data.Sqlite;
using Vigil.Storage.Sqlite;

namespace Vigil.Storage.Tests.Sqlite;

public sealed class SqliteStatementTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly SqliteConnection _connection;

    public SqliteStatementTests()
    {
        _connection = new SqliteDatabase(_dir.Path).Open();
        _connection.Execute("CREATE TABLE t (k TEXT PRIMARY KEY, n INTEGER, d REAL, b BLOB)");
    }

    [Fact]
    public void Values_bound_by_position_are_stored_with_their_types_and_nulls()
    {
        using var insert = new SqliteStatement(_connection, "INSERT INTO t (k, n, d, b) VALUES (?1, ?2, ?3, ?4)");

        insert.Bind(1, "a").Bind(2, 42L).Bind(3, 1.5).Bind(4, [1, 2, 3]).Execute().ShouldBe(1);
        insert.Bind(1, "b").Bind(2, -1L).Bind(3, (double?)null).Bind(4, []).Execute().ShouldBe(1);

        var rows = _connection.Query<(string K, long N, double? D, byte[] B)>("SELECT k, n, d, b FROM t ORDER BY k").ToList();
        (rows[0].K, rows[0].N, rows[0].D).ShouldBe(("a", 42L, (double?)1.5));
        rows[0].B.ShouldBe(new byte[] { 1, 2, 3 });
        rows[1].K.ShouldBe("b");
        rows[1].D.ShouldBeNull();
    }

    [Fact]
    public void A_conflict_skipped_by_on_conflict_do_nothing_reports_no_change()
    {
        using var insert = new SqliteStatement(_connection, "INSERT INTO t (k, n) VALUES (?1, ?2) ON CONFLICT (k) DO NOTHING");

        insert.Bind(1, "a").Bind(2, 1L).Execute().ShouldBe(1);
        insert.Bind(1, "a").Bind(2, 2L).Execute().ShouldBe(0);

        _connection.ExecuteScalar<long>("SELECT n FROM t WHERE k = 'a'").ShouldBe(1);
    }

    [Fact]
    public void A_query_reads_the_first_row_or_reports_there_is_none()
    {
        _connection.Execute("INSERT INTO t (k, n, d) VALUES ('a', 7, NULL)");
        using var find = new SqliteStatement(_connection, "SELECT k, n, d FROM t WHERE k = ?1");
        (string? K, long N, bool DIsNull) found = default;

        find.Bind(1, "a").QueryFirst(row => found = (row.Text(0), row.Int64(1), row.IsNull(2))).ShouldBeTrue();
        find.Bind(1, "zz").QueryFirst(_ => throw new InvalidOperationException("no row expected")).ShouldBeFalse();

        found.ShouldBe(("a", 7L, true));
    }

    [Fact]
    public void A_constraint_violation_is_a_sqlite_exception_and_the_statement_stays_usable()
    {
        using var insert = new SqliteStatement(_connection, "INSERT INTO t (k) VALUES (?1)");
        insert.Bind(1, "a").Execute();

        Should.Throw<SqliteException>(() => insert.Bind(1, "a").Execute()).SqliteErrorCode.ShouldBe(19);
        insert.Bind(1, "b").Execute().ShouldBe(1);
    }

    [Fact]
    public void It_writes_inside_the_transaction_the_connection_has_open()
    {
        using var insert = new SqliteStatement(_connection, "INSERT INTO t (k) VALUES (?1)");
        using (var transaction = _connection.BeginTransaction())
        {
            insert.Bind(1, "rolled-back").Execute();
            transaction.Rollback();
        }

        _connection.ExecuteScalar<long>("SELECT COUNT(*) FROM t").ShouldBe(0);
    }

    public void Dispose()
    {
        _connection.Dispose();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}

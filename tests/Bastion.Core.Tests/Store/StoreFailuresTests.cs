using System.Net.Sockets;
using Bastion.Core.Store;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Bastion.Core.Tests.Store;

/// <summary>An outage (tell the user to wait) versus the database's verdict on the data (a bug: log it in full).</summary>
public sealed class StoreFailuresTests
{
    public static TheoryData<string, Exception> Outages => new()
    {
        { "connection reset, wrapped by Npgsql", new NpgsqlException("Exception while reading from stream", new IOException("reset", new SocketException(104))) },
        { "server shutting down (57P01)", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01") },
        { "too many connections (53300)", new PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300") },
        { "SQLite busy", new SqliteException("database is locked", 5) },
        { "SQLite disk full", new SqliteException("database or disk is full", 13) },
        { "timeout inside another exception", new InvalidOperationException("query failed", new TimeoutException("timed out")) },
    };

    public static TheoryData<string, Exception> NotOutages => new()
    {
        { "unique violation (23505)", new PostgresException("duplicate key value", "ERROR", "ERROR", "23505") },
        { "SQLite constraint", new SqliteException("UNIQUE constraint failed", 19) },
        { "a bug", new NullReferenceException() },
    };

    [Theory]
    [MemberData(nameof(Outages))]
    public void Outages_are_recognised(string what, Exception exception) => Assert.True(StoreFailures.IsUnavailable(exception), what);

    [Theory]
    [MemberData(nameof(NotOutages))]
    public void Verdicts_on_the_data_and_bugs_are_not(string what, Exception exception) => Assert.False(StoreFailures.IsUnavailable(exception), what);
}

using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Bastion.Core.Store;

/// <summary>Tells "the database could not be used at all" from "the database refused this change".</summary>
public static class StoreFailures
{
    /// <summary>
    /// True when <paramref name="exception"/> or one it wraps says the database was out of reach: refused or reset
    /// connections, timeouts, a server shutting down, a locked or full SQLite file. False for errors the database
    /// answered with about the data (a constraint, a bad query): those are bugs, not outages.
    /// </summary>
    public static bool IsUnavailable(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case StoreUnavailableException:
                case TimeoutException:
                case SocketException:
                case PostgresException { IsTransient: true }:
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException:
                    return true; // Npgsql's own: the connection, not the server's verdict on the data
                case SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked or SqliteIoError or SqliteFull or SqliteCannotOpen }:
                    return true;
            }
        }
        return false;
    }

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCannotOpen = 14;
}

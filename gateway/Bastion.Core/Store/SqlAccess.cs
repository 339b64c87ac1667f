using System.Data.Common;

namespace Bastion.Core.Store;

/// <summary>
/// What the parts written once for both databases need from the store they serve: its connections, how it writes
/// and reads a time (fixed-width text on SQLite, timestamptz on PostgreSQL), its clock, and how its driver reports a
/// foreign key that points nowhere. Those parts are single
/// statements that read the same on SQLite and PostgreSQL; anything needing the databases' different locking stays
/// in each store.
/// </summary>
internal sealed record SqlAccess(
    Func<CancellationToken, ValueTask<DbConnection>> OpenAsync,
    Func<DateTimeOffset, object> Time,
    Func<DbDataReader, int, DateTimeOffset> ReadTime,
    TimeProvider Clock,
    Func<Exception, bool> IsForeignKeyViolation)
{
    /// <summary>A command with named parameters (null becomes DBNull).</summary>
    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}

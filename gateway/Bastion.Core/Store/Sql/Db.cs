using System.Data.Common;
using Dapper;

namespace Bastion.Core.Store.Sql;

/// <summary>
/// Dapper calls with the transaction and cancellation token every statement here needs. Parameters are anonymous
/// objects whose times, uuids and blobs the dialect has already converted, so no Dapper type handler (process-wide
/// state) is registered; rows that hold times are mapped by hand with the dialect's reader.
/// </summary>
internal static class Db
{
    public static Task<int> RunAsync(this DbConnection connection, string sql, object? args, DbTransaction? tx, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct));

    public static Task<T?> ScalarAsync<T>(this DbConnection connection, string sql, object? args, DbTransaction? tx, CancellationToken ct) =>
        connection.ExecuteScalarAsync<T>(new CommandDefinition(sql, args, tx, cancellationToken: ct));

    /// <summary>Rows of one column or of plain values (no times), mapped by Dapper.</summary>
    public static async Task<IReadOnlyList<T>> ValuesAsync<T>(this DbConnection connection, string sql, object? args, DbTransaction? tx, CancellationToken ct) =>
        (await connection.QueryAsync<T>(new CommandDefinition(sql, args, tx, cancellationToken: ct)).ConfigureAwait(false)).AsList();

    public static async Task<IReadOnlyList<T>> ListAsync<T>(this DbConnection connection, string sql, object? args, DbTransaction? tx, Func<DbDataReader, T> map, CancellationToken ct)
    {
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct)).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(ct).ConfigureAwait(false))
        {
            rows.Add(map(reader));
        }
        return rows;
    }

    public static async Task<T?> FirstAsync<T>(this DbConnection connection, string sql, object? args, DbTransaction? tx, Func<DbDataReader, T> map, CancellationToken ct)
        where T : class
    {
        await using var reader = await connection.ExecuteReaderAsync(new CommandDefinition(sql, args, tx, cancellationToken: ct)).ConfigureAwait(false);
        return await reader.ReadAsync(ct).ConfigureAwait(false) ? map(reader) : null;
    }

    /// <summary>"@p0, @p1, …" for an IN list, with its values added to <paramref name="args"/> (Dapper would pass a PostgreSQL array).</summary>
    public static string InList<T>(DynamicParameters args, string prefix, IEnumerable<T> values)
    {
        var names = new List<string>();
        foreach (var value in values)
        {
            var name = $"{prefix}{names.Count}";
            args.Add(name, value);
            names.Add("@" + name);
        }
        return string.Join(", ", names);
    }
}

using Npgsql;

namespace Bastion.Core.Store.Postgres;

/// <summary>Settings for <see cref="PostgresStore"/>.</summary>
/// <param name="ConnectionString">
/// An Npgsql connection string ("Host=db;Port=5432;Database=bastion;Username=bastion;Password=…"). It may hold a
/// password: it is never logged, and <see cref="ToString"/> and error messages show only <see cref="Describe"/>.
/// </param>
public sealed record PostgresStoreOptions(string ConnectionString)
{
    /// <summary>"host:port, database D, user U": where the store lives, without the password.</summary>
    public string Describe()
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            var database = string.IsNullOrEmpty(builder.Database) ? builder.Username : builder.Database;
            return $"PostgreSQL at {builder.Host ?? "(no host)"}:{builder.Port}, database {database ?? "(default)"}, user {builder.Username ?? "(default)"}";
        }
        catch (ArgumentException)
        {
            return "PostgreSQL (unreadable connection string)";
        }
    }

    /// <summary>
    /// Checks that the connection string parses; returns the problem (naming a keyword, never a value) or null.
    /// </summary>
    public string? Problem()
    {
        if (string.IsNullOrWhiteSpace(ConnectionString))
        {
            return "the connection string is empty";
        }
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            return string.IsNullOrEmpty(builder.Host) ? "the connection string has no Host" : null;
        }
        catch (ArgumentException ex)
        {
            return $"the connection string does not parse ({ex.Message})";
        }
    }

    /// <summary>Records print every property by default; this one must not print the password.</summary>
    public override string ToString() => $"PostgresStoreOptions {{ {Describe()} }}";
}

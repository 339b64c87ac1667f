namespace Bastion.Hosting.Configuration;

/// <summary>
/// Bastion:Store — where users, keys, policy and the audit trail live. SQLite (DATA/bastion.db) for one node;
/// PostgreSQL when several gateway nodes and the admin app share one database.
/// </summary>
public sealed class StoreOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary>sqlite (default) or postgres.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// Npgsql connection string for postgres ("Host=db;Database=bastion;Username=bastion;Password=…"). It may hold
    /// a password: prefer <see cref="ConnectionStringFile"/>, and never log it.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>A file (0600, or a systemd credential) holding the connection string; read once at start.</summary>
    public string? ConnectionStringFile { get; set; }

    public bool IsPostgres => string.Equals(Provider, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>The connection string is a secret; only the provider is worth printing.</summary>
    public override string ToString() => $"StoreOptions {{ Provider = {Provider} }}";
}

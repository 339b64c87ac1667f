namespace Bastion.Core.Store.Sqlite;

/// <summary>One schema step. Applied once, in its own transaction, recorded in schema_migrations.</summary>
internal sealed record SqliteMigration(int Version, string Name, string Sql);

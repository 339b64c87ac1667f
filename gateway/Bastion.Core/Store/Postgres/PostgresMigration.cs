namespace Bastion.Core.Store.Postgres;

/// <summary>One schema step. Applied once, in its own transaction, recorded in schema_migrations.</summary>
internal sealed record PostgresMigration(int Version, string Name, string Sql);

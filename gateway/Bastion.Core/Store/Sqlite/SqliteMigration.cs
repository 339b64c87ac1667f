namespace Bastion.Core.Store.Sqlite;

/// <summary>One schema step. Applied once, in its own transaction, recorded in schema_migrations.</summary>
/// <param name="CompatibleFrom">
/// Set when the step only adds (a table, a nullable column, an index) so that binaries whose newest schema is this
/// version or later keep working on the migrated database during a rolling upgrade; leave it null when older
/// binaries would misread the data afterwards (see <see cref="SchemaCompatibility"/>).
/// </param>
internal sealed record SqliteMigration(int Version, string Name, string Sql, int? CompatibleFrom = null);

using System.Text.RegularExpressions;

namespace Bastion.Core.Store.Sql;

/// <summary>
/// One schema step. Applied once, in its own transaction, recorded in schema_migrations. <see cref="Sql"/> is shared
/// by both databases; its type tokens ($Id, $BigInt, $Bool, $False, $Time, $Blob, $Json, $Uuid, $Key) become each
/// database's own types (<see cref="SqlDialect.SchemaTypes"/>). A step that must differ in more than types names the
/// part for one database in <see cref="Sqlite"/> or <see cref="Postgres"/>, which runs after the shared part.
/// </summary>
/// <param name="CompatibleFrom">
/// Set when the step only adds (a table, a nullable column, an index) so that binaries whose newest schema is this
/// version or later keep working on the migrated database during a rolling upgrade; leave it null when older
/// binaries would misread the data afterwards (see <see cref="SchemaCompatibility"/>).
/// </param>
internal sealed partial record SchemaStep(int Version, string Name, string Sql, int? CompatibleFrom = null)
{
    public string Sqlite { get; init; } = "";

    public string Postgres { get; init; } = "";

    /// <summary>The statements to run on the database <paramref name="dialect"/> speaks for.</summary>
    public string SqlFor(SqlDialect dialect)
    {
        var own = dialect.Name == "sqlite" ? Sqlite : Postgres;
        return TypeToken().Replace(Sql + "\n" + own, token => dialect.SchemaTypes.TryGetValue(token.Value, out var type)
            ? type
            : throw new InvalidOperationException($"schema step {Version} uses the unknown type token {token.Value}"));
    }

    [GeneratedRegex(@"\$[A-Z][A-Za-z]*")]
    private static partial Regex TypeToken();
}

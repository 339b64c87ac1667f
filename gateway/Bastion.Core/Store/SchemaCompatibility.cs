namespace Bastion.Core.Store;

/// <summary>A schema step this binary does not know, as recorded in schema_migrations by the binary that applied it.</summary>
/// <param name="CompatibleFrom">Binaries whose newest schema is at least this keep working after the step (it only
/// adds); null when the step changes something older binaries rely on.</param>
public sealed record UnknownSchemaStep(int Version, string Name, int? CompatibleFrom);

/// <summary>
/// Whether a binary may run on a database a newer binary has migrated further: during a rolling upgrade of several
/// nodes the upgraded node migrates first, and the others must either keep serving (the new steps only add tables or
/// columns they never read) or stop with a clear message (a step they would misread).
/// </summary>
public static class SchemaCompatibility
{
    /// <summary>Null when the database is not newer; the warning to log when it is newer but compatible.</summary>
    /// <exception cref="SchemaVersionException">A newer step that this binary cannot run alongside.</exception>
    public static string? Check(int binaryLatest, IReadOnlyList<UnknownSchemaStep> newer, string where)
    {
        ArgumentNullException.ThrowIfNull(newer);
        if (newer.Count == 0)
        {
            return null;
        }
        var newest = newer.Max(s => s.Version);
        if (newer.FirstOrDefault(s => s.CompatibleFrom is null || s.CompatibleFrom > binaryLatest) is { } breaking)
        {
            throw new SchemaVersionException(
                $"database {where} has schema version {newest}, but this Bastion understands only up to {binaryLatest}, and step {breaking.Version} " +
                $"(\"{breaking.Name}\") changed what this version relies on; upgrade Bastion on this node to the version that migrated the database");
        }
        return $"database {where} has schema version {newest}, newer than this Bastion ({binaryLatest}); the newer steps only add what this version does not use, " +
            "so this node keeps serving during the rolling upgrade: upgrade it soon";
    }
}

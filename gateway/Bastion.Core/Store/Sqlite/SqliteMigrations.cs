using Bastion.Core.Store.Sql;

namespace Bastion.Core.Store.Sqlite;

/// <summary>The schema steps as the SQLite tests name them; one list (<see cref="SchemaSteps"/>) serves both databases.</summary>
internal static class SqliteMigrations
{
    public static IReadOnlyList<SchemaStep> All => SchemaSteps.All;

    public static int LatestVersion => SchemaSteps.LatestVersion;
}

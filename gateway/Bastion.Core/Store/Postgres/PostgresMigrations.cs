using Bastion.Core.Store.Sql;

namespace Bastion.Core.Store.Postgres;

/// <summary>The schema steps as the PostgreSQL tests name them; one list (<see cref="SchemaSteps"/>) serves both databases.</summary>
internal static class PostgresMigrations
{
    public static int LatestVersion => SchemaSteps.LatestVersion;
}

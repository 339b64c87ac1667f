using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Store;

/// <summary>
/// The schema the migrations build, compared with the one the release before the store was unified built (the
/// snapshots in Store/Schema): same tables, columns, types, defaults, indexes and constraints on each database.
/// </summary>
public sealed class SchemaSnapshotTests
{
    [Fact]
    public async Task A_fresh_SQLite_database_gets_the_schema_of_the_snapshot()
    {
        await using var fixture = await StoreFixture.CreateAsync(StoreProvider.Sqlite);

        var actual = await SchemaSnapshot.OfSqliteAsync(fixture.DatabasePath);

        Assert.Equal(SchemaSnapshot.Expected("sqlite.txt", actual), actual);
    }

    [Fact]
    public async Task A_fresh_PostgreSQL_database_gets_the_schema_of_the_snapshot()
    {
        await using var fixture = await StoreFixture.CreateAsync(StoreProvider.Postgres);

        var actual = await SchemaSnapshot.OfPostgresAsync(fixture.PostgresConnectionString);

        Assert.Equal(SchemaSnapshot.Expected("postgres.txt", actual), actual);
    }
}

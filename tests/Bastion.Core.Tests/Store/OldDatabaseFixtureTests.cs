using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Core.Store.Postgres;
using Bastion.Core.Store.Sqlite;
using Bastion.Core.Tests.Support;
using Npgsql;
using Bastion.Core.Mfa;

namespace Bastion.Core.Tests.Store;

/// <summary>
/// Databases written by the release that had one store per database (tests/fixtures/old-database, made by its
/// make.sh with that release's CLI) open with this store, migrate, read back what was written and take new writes.
/// </summary>
public sealed class OldDatabaseFixtureTests
{
    private static string FixtureFile(string name) => RepositoryFiles.Path("tests", "fixtures", "old-database", name);

    [Fact]
    public async Task The_old_SQLite_database_opens_migrates_and_reads_back()
    {
        using var directory = new TempDirectory();
        var path = directory.File("bastion.db");
        File.Copy(FixtureFile("bastion.db"), path);
        var ciphertext = SqliteTotpCiphertext(FixtureFile("bastion.db"));

        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions(path) { Pooling = false }))
        {
            Assert.Equal(SqliteMigrations.LatestVersion, await store.GetSchemaVersionAsync());
            await AssertContentAsync(store, ciphertext);
        }
        var schema = await SchemaSnapshot.OfSqliteAsync(path);
        Assert.Equal(SchemaSnapshot.Expected("sqlite.txt", schema), schema);
    }

    [Fact]
    public async Task The_old_PostgreSQL_dump_restores_opens_migrates_and_reads_back()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        await RestoreDumpAsync(database.ConnectionString, FixtureFile("postgres.sql"));

        await using (var store = await PostgresStore.OpenAsync(new PostgresStoreOptions(database.ConnectionString + ";Pooling=false")))
        {
            Assert.Equal(PostgresMigrations.LatestVersion, await store.GetSchemaVersionAsync());
            await AssertContentAsync(store, await DumpTotpCiphertextAsync(FixtureFile("postgres.sql")));
        }
        var schema = await SchemaSnapshot.OfPostgresAsync(database.ConnectionString);
        Assert.Equal(SchemaSnapshot.Expected("postgres.txt", schema), schema);
    }

    /// <summary>What make.sh wrote, read through the store; then one write of each kind, and the chain still verifies.</summary>
    private static async Task AssertContentAsync(IBastionStore store, byte[] totpCiphertext)
    {
        var users = await store.ListUsersAsync();
        Assert.Equal(["alice", "bob", "carol", "ci"], users.Select(u => u.Name));
        var alice = users[0];
        Assert.Equal(["developers", "prod-admins"], alice.Groups);
        Assert.Equal(MfaPolicies.KeyAndTotp, alice.MfaPolicy);
        Assert.False(alice.Disabled);
        var bob = await store.GetUserAsync("bob");
        Assert.NotNull(bob);
        Assert.True(bob.Disabled);
        Assert.Equal("sk", bob.MfaPolicy);
        Assert.Equal(["developers"], bob.Groups);
        var ci = users[3];
        Assert.True(ci.IsAutomation);
        Assert.Equal("key", ci.MfaPolicy);
        var byId = await store.GetUserByIdAsync(alice.Id);
        Assert.Equal(alice with { Groups = [] }, byId! with { Groups = [] });
        Assert.Equal(alice.Groups, byId.Groups);

        var carol = users[2];
        Assert.Contains(AdminRoles.Admin, await store.GetRolesAsync(carol.Id));

        var keys = await store.ListSshKeysAsync("alice");
        Assert.Equal(2, keys.Count);
        Assert.Equal(["ecdsa-sha2-nistp256", "ssh-ed25519"], keys.Select(k => k.KeyType).Order(StringComparer.Ordinal));
        var restricted = keys.Single(k => k.KeyType == "ecdsa-sha2-nistp256");
        Assert.Equal("alice@desktop", restricted.Comment);
        Assert.Contains("from=\"10.0.0.0/8\"", restricted.Options, StringComparison.Ordinal);
        Assert.Equal(restricted.Id, (await store.FindSshKeyAsync(restricted.Fingerprint))?.Id);
        Assert.Single(await store.ListSshKeysAsync("ci"));

        // The encrypted TOTP seed comes back byte for byte (blob types survive the migration). No key is committed, so
        // the comparison is with the bytes in the fixture itself, read around the store.
        var totp = await store.GetTotpCredentialAsync(alice.Id);
        Assert.NotNull(totp);
        Assert.Equal(totpCiphertext, totp.EncryptedSecret);
        Assert.Null(await store.GetTotpCredentialAsync(bob.Id));

        var targets = await store.ListTargetsAsync();
        Assert.Equal(["db-1", "web-1"], targets.Select(t => t.Name).Order(StringComparer.Ordinal));
        var web = await store.GetTargetAsync("WEB-1");
        Assert.NotNull(web);
        Assert.Equal("10.0.0.5", web.Host);
        Assert.Equal(22, web.Port);
        Assert.Equal("dev-a", web.Account);
        Assert.Equal(new Dictionary<string, string> { ["env"] = "dev", ["team"] = "web" }, web.Tags);
        Assert.Equal(2222, targets.Single(t => t.Name == "db-1").Port);

        var rules = await store.ListAccessRulesAsync();
        Assert.Equal(3, rules.Count);
        Assert.Equal(("@developers", "web-*", AccessEffect.Allow), (rules[0].Subject, rules[0].TargetPattern, rules[0].Effect));
        Assert.Equal(new Dictionary<string, string> { ["env"] = "dev" }, rules[0].RequiredTags);
        Assert.Contains(rules, r => r is { Subject: "bob", TargetPattern: "db-*", Effect: AccessEffect.Deny });

        Assert.Equal(new Dictionary<string, string> { ["prod-admins"] = "sk+totp" }, await store.ListGroupMfaPoliciesAsync());

        var before = await AuditChainVerifier.VerifyAsync(store, CancellationToken.None);
        Assert.True(before.Ok, before.Problem);
        Assert.True(before.EventsChecked >= 15, $"only {before.EventsChecked} audit events in the fixture");
        var keysAdded = await store.QueryAuditEventsAsync(new AuditQuery { User = "cli:root", Type = "admin.key.", Limit = 100 });
        Assert.Equal(3, keysAdded.Events.Count);

        // New writes land next to the old rows, and the chain goes on from the old head.
        await store.AddUserAsync(new NewUser("dave") { Groups = ["developers"] });
        await store.AddAccessRuleAsync(new AccessRuleDefinition("dave", "web-*", AccessEffect.Allow));
        await store.AppendAuditEventsAsync([new AuditEvent("user.added") { User = "dave" }]);
        var after = await AuditChainVerifier.VerifyAsync(store, CancellationToken.None);
        Assert.True(after.Ok, after.Problem);
        Assert.Equal(before.EventsChecked + 1, after.EventsChecked);
        Assert.Equal(5, (await store.ListUsersAsync()).Count);
    }

    /// <summary>Runs the plain-SQL dump through Npgsql; psql's own meta-commands (\restrict) are not SQL and are skipped.</summary>
    /// <summary>alice's encrypted TOTP seed as the old release wrote it, read straight from the SQLite file.</summary>
    private static byte[] SqliteTotpCiphertext(string path)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var query = connection.CreateCommand();
        query.CommandText = "SELECT secret_ciphertext FROM totp_credentials WHERE user_id = (SELECT id FROM users WHERE name = 'alice');";
        return (byte[])(query.ExecuteScalar() ?? throw new InvalidOperationException("the fixture has no TOTP row for alice; regenerate it with make.sh"));
    }

    /// <summary>The same from the dump: its one totp_credentials INSERT carries the bytea as a '\\x…' literal.</summary>
    private static async Task<byte[]> DumpTotpCiphertextAsync(string dumpPath)
    {
        var line = (await File.ReadAllLinesAsync(dumpPath)).Single(l => l.StartsWith("INSERT INTO public.totp_credentials VALUES", StringComparison.Ordinal));
        var hex = System.Text.RegularExpressions.Regex.Match(line, @"'\\x([0-9a-f]+)'").Groups[1].Value;
        return Convert.FromHexString(hex);
    }

    private static async Task RestoreDumpAsync(string connectionString, string dumpPath)
    {
        var lines = await File.ReadAllLinesAsync(dumpPath);
        var sql = string.Join('\n', lines.Where(line => !line.StartsWith('\\')));
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

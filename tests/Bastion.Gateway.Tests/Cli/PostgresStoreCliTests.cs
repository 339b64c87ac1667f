using Bastion.Gateway.Tests.Infrastructure;
using Npgsql;

namespace Bastion.Gateway.Tests.Cli;

/// <summary>
/// Bastion:Store:Provider=postgres end to end through the real binary: two "nodes" (separate data directories,
/// separate processes) share users and one audit chain, and a refused login to the database fails clearly.
/// </summary>
public sealed class PostgresStoreCliTests : IDisposable
{
    private readonly TempDirectory _dir = new("bastion-cli-pg");

    [Fact]
    public async Task Two_nodes_share_users_and_one_audit_chain_through_postgres()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        // Node A reads the connection string from a 0600 file (the systemd-credential way), node B from the environment.
        var secretFile = _dir.File("store-connection");
        await File.WriteAllTextAsync(secretFile, database.ConnectionString + "\n");
        File.SetUnixFileMode(secretFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var nodeA = Node("a", new() { ["Bastion__Store__Provider"] = "postgres", ["Bastion__Store__ConnectionStringFile"] = secretFile });
        var nodeB = Node("b", new() { ["Bastion__Store__Provider"] = "postgres", ["Bastion__Store__ConnectionString"] = database.ConnectionString });

        await Checked(nodeA, "user", "add", "alice");
        await Checked(nodeB, "target", "add", "web-1", "127.0.0.1:22");
        var duplicate = await ProcessRunner.RunAsync(nodeB(["user", "add", "alice"]));
        Assert.Equal(4, duplicate.ExitCode);

        Assert.Contains("alice", (await Checked(nodeB, "user", "list")).StandardOutput);
        Assert.Contains("web-1", (await Checked(nodeA, "target", "list")).StandardOutput);
        Assert.Contains("audit chain OK: 2 events", (await Checked(nodeA, "audit", "verify")).StandardOutput);
        // Nothing of the store landed in the data directories: no SQLite file.
        Assert.False(File.Exists(Path.Combine(_dir.File("a"), "bastion.db")));
        Assert.False(File.Exists(Path.Combine(_dir.File("b"), "bastion.db")));
    }

    [Fact]
    public async Task A_refused_database_login_exits_non_zero_naming_the_server_but_not_the_password()
    {
        await using var database = await PostgresTestDatabase.CreateAsync();
        const string wrongPassword = "not-the-password-5f2c9e";
        var wrong = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = wrongPassword };
        var node = Node("c", new() { ["Bastion__Store__Provider"] = "postgres", ["Bastion__Store__ConnectionString"] = wrong.ConnectionString });

        var result = await ProcessRunner.RunAsync(node(["user", "list"]));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"{wrong.Host}:{wrong.Port}, database {database.Name}, user {wrong.Username}", result.StandardError);
        Assert.Contains("password authentication failed", result.StandardError);
        Assert.DoesNotContain(wrongPassword, result.StandardError + result.StandardOutput);
    }

    [Fact]
    public async Task Postgres_without_a_connection_string_is_a_configuration_error()
    {
        var node = Node("d", new() { ["Bastion__Store__Provider"] = "postgres" });
        var result = await ProcessRunner.RunAsync(node(["user", "list"]));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Bastion:Store:Provider is postgres but no ConnectionString or ConnectionStringFile is set", result.StandardError);

        var unknown = await ProcessRunner.RunAsync(Node("e", new() { ["Bastion__Store__Provider"] = "mysql" })(["user", "list"]));
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("Bastion:Store:Provider \"mysql\" is unknown", unknown.StandardError);
    }

    public void Dispose() => _dir.Dispose();

    private Func<string[], ProcessSpec> Node(string name, Dictionary<string, string?> environment)
    {
        var data = _dir.SubDirectory(name);
        return args => GatewayBinary.Spec(data, args, environment);
    }

    private static async Task<ProcessResult> Checked(Func<string[], ProcessSpec> node, params string[] args) =>
        (await ProcessRunner.RunAsync(node(args))).EnsureSuccess("bastion " + string.Join(' ', args));
}

using System.Net;
using System.Net.Sockets;
using Bastion.Admin.Hosting;
using Bastion.Core.Audit;
using Bastion.Core.Store;
using Bastion.Core.Store.Postgres;
using Bastion.Core.Store.Sqlite;
using Bastion.Gateway.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;

namespace Bastion.Admin.Tests.Infrastructure;

/// <summary>
/// The admin app running in this process on 127.0.0.1 with its own data directory, browsed as
/// http://localhost:PORT (WebAuthn needs a host name as RP id). <see cref="Store"/> is a second store on the same
/// file, as the gateway or the CLI would open it. Reusable by end-to-end tests that also start a gateway on
/// <see cref="DataDirectory"/>.
/// </summary>
public sealed class AdminAppHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly bool _ownsDirectory;

    private AdminAppHost(WebApplication app, string dataDirectory, int port, IBastionStore store, bool ownsDirectory)
    {
        _app = app;
        DataDirectory = dataDirectory;
        Port = port;
        Store = store;
        _ownsDirectory = ownsDirectory;
    }

    public string DataDirectory { get; }

    public int Port { get; }

    public string BaseUrl => $"http://localhost:{Port}";

    /// <summary>The store the app uses (SQLite in the data directory, or the PostgreSQL database its environment file names).</summary>
    public IBastionStore Store { get; }

    public AuditTrail Audit => new(Store);

    /// <summary>Starts the app on a free loopback port; with no <paramref name="dataDirectory"/> a temporary one is used.</summary>
    public static Task<AdminAppHost> StartAsync(string? dataDirectory = null, params string[] extraArgs) => StartAsync(dataDirectory, null, extraArgs);

    /// <summary>Starts the app with <paramref name="time"/> as its clock (sessions, step-up, TOTP, audit times).</summary>
    public static Task<AdminAppHost> StartWithClockAsync(TimeProvider time, params string[] extraArgs) => StartAsync(null, time, extraArgs);

    private static async Task<AdminAppHost> StartAsync(string? dataDirectory, TimeProvider? time, string[] extraArgs)
    {
        var owns = dataDirectory is null;
        dataDirectory ??= Directory.CreateTempSubdirectory("bastion-admin-test-").FullName;
        // Kestrel must know its port before start, because the public URL (the WebAuthn origin) names it.
        var port = FreePort();
        var args = new[]
        {
            $"--urls=http://127.0.0.1:{port}",
            $"--Bastion:DataDirectory={dataDirectory}",
            $"--Bastion:Admin:PublicUrl=http://localhost:{port}",
            "--Logging:LogLevel:Default=Warning",
        }.Concat(StoreArguments(dataDirectory, out var postgres)).Concat(extraArgs).ToArray();
        var app = AdminApp.Build(args, time);
        await app.StartAsync();
        IBastionStore store = postgres is null
            ? await SqliteStore.OpenAsync(Path.Combine(dataDirectory, "bastion.db"))
            : await PostgresStore.OpenAsync(new PostgresStoreOptions(postgres));
        return new AdminAppHost(app, dataDirectory, port, store, owns);
    }

    /// <summary>Adds a person with roles and returns their invite URL, as <c>bastion user add NAME --role …</c> would.</summary>
    public async Task<string> AddPersonAsync(string name, params string[] roles)
    {
        var user = await Store.AddUserAsync(new NewUser(name));
        await Store.SetRolesAsync(user.Id, roles.Length > 0 ? roles : [AdminRoles.User]);
        return await InviteAsync(name);
    }

    /// <summary>Runs one statement on the SQLite file behind the app's back (tampering, as an attacker with file access would); rows changed.</summary>
    public async Task<int> TamperAsync(string sql)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(DataDirectory, "bastion.db")};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteNonQueryAsync();
    }

    public async Task<string> InviteAsync(string name)
    {
        var user = await Store.GetUserAsync(name) ?? throw new InvalidOperationException($"no user {name}");
        var (token, _) = await InviteTokens.IssueAsync(Store, user, TimeSpan.FromHours(1), DateTimeOffset.UtcNow, "test");
        return InviteTokens.Url(BaseUrl, token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Store.DisposeAsync();
        if (_ownsDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A file still held open by a pooled connection; the temp directory is cleaned up by the OS.
            }
        }
    }

    /// <summary>
    /// The store settings of a data directory prepared by a gateway testbed (its environment file), as --Bastion:Store
    /// arguments, so the app shares the gateways' store; none for a plain SQLite data directory.
    /// </summary>
    private static IEnumerable<string> StoreArguments(string dataDirectory, out string? postgresConnectionString)
    {
        postgresConnectionString = null;
        var file = Path.Combine(dataDirectory, GatewayBinary.EnvironmentFileName);
        if (!File.Exists(file))
        {
            return [];
        }
        var settings = File.ReadAllLines(file).Where(l => l.StartsWith("Bastion__Store__", StringComparison.Ordinal))
            .Select(l => (Key: l[..l.IndexOf('=', StringComparison.Ordinal)], Value: l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..]))
            .ToList();
        if (settings.Any(kv => kv.Key == "Bastion__Store__Provider" && kv.Value == "postgres"))
        {
            postgresConnectionString = settings.Single(kv => kv.Key == "Bastion__Store__ConnectionString").Value;
        }
        return settings.Select(kv => $"--{kv.Key.Replace("__", ":", StringComparison.Ordinal)}={kv.Value}").ToList();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

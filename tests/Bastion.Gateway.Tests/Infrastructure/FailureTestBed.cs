using System.Diagnostics;
using System.Globalization;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>One gateway user made by <see cref="FailureTestBed.AddUserAsync"/>: its key, TOTP secret and own OpenSSH client.</summary>
public sealed class BastionTestUser
{
    private readonly Lock _gate = new();
    private long _lastStep = long.MinValue;

    internal BastionTestUser(string name, SshKeyPair key, string? totpSecret, OpenSshClient client)
    {
        Name = name;
        Key = key;
        TotpSecret = totpSecret;
        Client = client;
    }

    /// <summary>Gateway user name.</summary>
    public string Name { get; }

    /// <summary>The user's enrolled key (also authorized for root on the target).</summary>
    public SshKeyPair Key { get; }

    /// <summary>Base32 TOTP secret (null: not enrolled). Never log it.</summary>
    public string? TotpSecret { get; }

    /// <summary>This user's OpenSSH client (own known_hosts, ssh_config, askpass).</summary>
    public OpenSshClient Client { get; }

    /// <summary>
    /// A code the gateway has not seen yet for this user: steps are spent in ascending order (the gateway rejects a
    /// step at or below the last accepted one) and only steps the gateway is sure to still accept are used (the
    /// previous step only early in the current one). Waits (at most one step, 30 s) when the window is spent.
    /// </summary>
    public async Task<string> FreshCodeAsync()
    {
        var secret = TotpSecret ?? throw new InvalidOperationException($"{Name} has no TOTP enrolled");
        for (var attempt = 0; attempt < 40; attempt++)
        {
            var now = DateTimeOffset.UtcNow;
            var current = TotpCode.TimeStep(now);
            var intoStep = now.ToUnixTimeSeconds() % 30;
            lock (_gate)
            {
                var lowest = intoStep < 15 ? current - 1 : current;
                var step = Math.Max(lowest, _lastStep + 1);
                if (step <= current + 1)
                {
                    _lastStep = step;
                    return TotpCode.ComputeForStep(TotpCode.Base32Decode(secret), step);
                }
            }

            await Task.Delay(1000).ConfigureAwait(false); // waiting for the clock, bounded by the loop count
        }

        throw new TimeoutException($"no fresh TOTP step for {Name} within 40 s");
    }

    /// <summary>A 6-digit code that matches none of the steps the gateway accepts right now (±2 steps, to be safe).</summary>
    public string WrongCode()
    {
        var secret = TotpCode.Base32Decode(TotpSecret ?? throw new InvalidOperationException($"{Name} has no TOTP enrolled"));
        var current = TotpCode.TimeStep(DateTimeOffset.UtcNow);
        var valid = Enumerable.Range(-2, 5).Select(o => TotpCode.ComputeForStep(secret, current + o)).ToHashSet();
        for (var candidate = 123456; ; candidate = (candidate + 111111) % 1_000_000)
        {
            var text = candidate.ToString("D6", CultureInfo.InvariantCulture);
            if (!valid.Contains(text))
            {
                return text;
            }
        }
    }
}

/// <summary>One row of the gateway's audit_events table.</summary>
public sealed record AuditRow(long Seq, string Type, string? User, string? SessionId, string? SourceAddress, IReadOnlyDictionary<string, string> Data)
{
    /// <summary>Data value or null.</summary>
    public string? this[string key] => Data.TryGetValue(key, out var v) ? v : null;

    /// <inheritdoc />
    public override string ToString() =>
        $"#{Seq} {Type} user={User ?? "-"} session={SessionId ?? "-"} " + string.Join(' ', Data.OrderBy(d => d.Key, StringComparer.Ordinal).Select(d => $"{d.Key}={d.Value}"));
}

/// <summary>
/// A whole Bastion deployment for failure-path tests: a real sshd target ("web-1") on its own loopback alias, a
/// gateway data directory managed through the CLI, the gateway process on another alias, and any number of users,
/// each with its own key, TOTP secret, access rule and OpenSSH client. Shared by the tests of one class (users get
/// unique names, so tests do not disturb each other). Dispose stops everything.
/// </summary>
public sealed class FailureTestBed : IAsyncDisposable
{
    /// <summary>Name of the one target registered at start.</summary>
    public const string TargetName = "web-1";

    private int _userCounter;

    private FailureTestBed(TempDirectory directory, SshdTarget target, string dataDirectory)
    {
        Directory = directory;
        Target = target;
        DataDirectory = dataDirectory;
    }

    /// <summary>Scratch directory (removed at dispose).</summary>
    public TempDirectory Directory { get; }

    /// <summary>The real sshd behind the gateway, registered as <see cref="TargetName"/>.</summary>
    public SshdTarget Target { get; }

    /// <summary>The gateway's --data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>The SQLite store of the gateway.</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "bastion.db");

    /// <summary>The running gateway.</summary>
    public GatewayProcess Gateway { get; private set; } = null!;

    /// <summary>The gateway's host key as scanned from the wire ("ssh-ed25519 AAAA…").</summary>
    public string GatewayHostKey { get; private set; } = "";

    /// <summary>
    /// Starts a target sshd and a gateway (with <paramref name="serveArgs"/>, e.g. "--Bastion:Ssh:LoginGraceTimeSeconds=2")
    /// on fresh loopback aliases, registers the target "web-1" and scans the gateway's host key.
    /// </summary>
    public static Task<FailureTestBed> StartAsync(params string[] serveArgs) => StartAsync(null, serveArgs);

    /// <summary>As <see cref="StartAsync(string[])"/>, with <paramref name="environment"/> added to the gateway's (e.g. DOTNET_GCHeapHardLimit).</summary>
    public static async Task<FailureTestBed> StartAsync(IReadOnlyDictionary<string, string?>? environment, params string[] serveArgs)
    {
        var dir = new TempDirectory("bastion-neg");
        SshdTarget? target = null;
        FailureTestBed? bed = null;
        try
        {
            target = await SshdTarget.StartAsync().ConfigureAwait(false);
            var data = dir.SubDirectory("data");
            bed = new FailureTestBed(dir, target, data);
            await GatewayCli.AddTargetAsync(data, TargetName, $"{target.Address}:{target.Port.ToString(CultureInfo.InvariantCulture)}").ConfigureAwait(false);
            var (address, port) = LoopbackAddresses.Shared.NextEndpoint(2222);
            bed.Gateway = await GatewayProcess.StartAsync(data, address, port, serveArgs, environment).ConfigureAwait(false);
            bed.GatewayHostKey = await bed.Gateway.ScanHostKeyAsync().ConfigureAwait(false);
            return bed;
        }
        catch
        {
            if (bed is not null)
            {
                await bed.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                if (target is not null)
                {
                    await target.DisposeAsync().ConfigureAwait(false);
                }

                dir.Dispose();
            }

            throw;
        }
    }

    /// <summary>A user name not used before in this test bed: PREFIX + counter.</summary>
    public string UniqueName(string prefix) => $"{prefix}{Interlocked.Increment(ref _userCounter).ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Adds a user through the CLI: <c>user add</c>, <c>key add</c>, <c>totp enroll</c> (unless <paramref name="totp"/> is
    /// false) and, if <paramref name="allowPattern"/> is given, <c>access allow USER PATTERN</c>. The key is authorized on
    /// the target; the user's client trusts the gateway and the target (as "web-1" and "web-1.dev").
    /// The client's ssh_config sets NumberOfPasswordPrompts (default 1) for the gateway so each ssh run makes a known
    /// number of code attempts.
    /// </summary>
    public async Task<BastionTestUser> AddUserAsync(string name, string? allowPattern = "*", bool totp = true, int passwordPrompts = 1)
    {
        var home = Directory.SubDirectory("users/" + name);
        var key = await SshKeyPair.GenerateAsync(home, SshKeyType.Ed25519).ConfigureAwait(false);
        await GatewayCli.AddUserAsync(DataDirectory, name).ConfigureAwait(false);
        await GatewayCli.AddKeyAsync(DataDirectory, name, key).ConfigureAwait(false);
        string? secret = null;
        if (totp)
        {
            secret = OtpAuthUri.FindIn((await GatewayCli.RunCheckedAsync(DataDirectory, "totp", "enroll", name, "--no-qr").ConfigureAwait(false)).StandardOutput).Secret;
        }

        if (allowPattern is not null)
        {
            await GatewayCli.AllowAsync(DataDirectory, name, allowPattern).ConfigureAwait(false);
        }

        Target.AuthorizeKey(key.PublicKeyLine);
        return new BastionTestUser(name, key, secret, NewClient(home, key.PrivateKeyPath, passwordPrompts));
    }

    /// <summary>An OpenSSH client in <paramref name="home"/> using <paramref name="identityFile"/>, trusting the gateway and the target.</summary>
    public OpenSshClient NewClient(string home, string identityFile, int passwordPrompts = 1)
    {
        var client = new OpenSshClient(System.IO.Directory.CreateDirectory(Path.Combine(home, "ssh")).FullName, identityFile);
        client.TrustHostKey(Gateway.Address.ToString(), Gateway.Port, GatewayHostKey);
        client.TrustHostKey(TargetName, 22, Target.HostKeyLine);
        client.TrustHostKey(TargetName + ".dev", 22, Target.HostKeyLine);
        client.AddHostBlock(Gateway.Address.ToString(), ("NumberOfPasswordPrompts", passwordPrompts.ToString(CultureInfo.InvariantCulture)));
        return client;
    }

    /// <summary>
    /// <c>ssh -J USER@gateway root@HOST -- COMMAND</c> with <paramref name="code"/> as the answer to every TOTP prompt
    /// (null: none prepared, askpass fails the prompt).
    /// </summary>
    public Task<ProcessResult> SshThroughGatewayAsync(BastionTestUser user, string? code, string host = TargetName, string command = "echo reached-$(hostname)-ok", OpenSshClient? client = null)
    {
        client ??= user.Client;
        client.AskPass.Reset();
        if (code is not null)
        {
            client.AskPass.SetAnswer(code);
        }

        return client.SshAsync($"ssh://root@{host}:22", command, new SshCallOptions
        {
            ProxyJump = Gateway.Endpoint(user.Name).JumpSpec,
            Timeout = TimeSpan.FromSeconds(45),
        });
    }

    /// <summary>Logs in as <paramref name="user"/> with a fresh code and asserts the command ran on the target.</summary>
    public async Task<ProcessResult> LoginAsync(BastionTestUser user)
    {
        var result = await SshThroughGatewayAsync(user, await user.FreshCodeAsync().ConfigureAwait(false)).ConfigureAwait(false);
        Assert.True(result.Succeeded && result.StandardOutput.Contains("-ok", StringComparison.Ordinal),
            $"login of {user.Name} through the gateway to {TargetName} failed\n{result.Describe()}\n{Diagnostics()}");
        return result;
    }

    /// <summary>
    /// The "gateway still serves" check: a brand-new user (key + TOTP) logs in through the gateway and runs a command
    /// on the target; also asserts the gateway process is still the one started (it did not crash and restart).
    /// </summary>
    public async Task AssertStillServesAsync()
    {
        Assert.False(Gateway.HasExited, $"the gateway exited (code {Gateway.ExitCode})\n{Diagnostics()}");
        var user = await AddUserAsync(UniqueName("good"), TargetName).ConfigureAwait(false);
        await LoginAsync(user).ConfigureAwait(false);
        Assert.False(Gateway.HasExited, $"the gateway exited (code {Gateway.ExitCode})\n{Diagnostics()}");
    }

    /// <summary>All audit events after <paramref name="afterSeq"/>, straight from the SQLite store (read-only).</summary>
    public IReadOnlyList<AuditRow> ReadAudit(long afterSeq = 0) => AuditDatabase.Read(DatabasePath, afterSeq);

    /// <summary>Polls the store (bounded by <paramref name="timeout"/>, default 10 s) until an event matches; fails with the trail so far.</summary>
    public async Task<AuditRow> WaitForAuditAsync(Func<AuditRow, bool> predicate, string description, TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var sw = Stopwatch.StartNew();
        IReadOnlyList<AuditRow> rows = [];
        while (true)
        {
            rows = ReadAudit();
            if (rows.FirstOrDefault(predicate) is { } found)
            {
                return found;
            }

            if (sw.Elapsed > limit)
            {
                Assert.Fail($"no audit event {description} within {limit.TotalSeconds} s; the trail has:\n" +
                            string.Join('\n', rows.TakeLast(60)) + "\n" + Diagnostics());
            }

            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    /// <summary><c>bastion audit tail -n N</c> output.</summary>
    public async Task<string> AuditTailAsync(int lines = 200) =>
        (await GatewayCli.RunCheckedAsync(DataDirectory, "audit", "tail", "-n", lines.ToString(CultureInfo.InvariantCulture)).ConfigureAwait(false)).StandardOutput;

    /// <summary>Gateway output and target log, for assertion messages.</summary>
    public string Diagnostics() =>
        $"--- gateway output (tail) ---\n{Tail(Gateway?.Output)}\n--- target sshd log (tail) ---\n{Tail(Target.Log)}";

    private static string Tail(string? text) => text is null ? "" : text.Length <= 6000 ? text : "[…]" + text[^6000..];

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync().ConfigureAwait(false);
        }

        await Target.DisposeAsync().ConfigureAwait(false);
        Directory.Dispose();
    }
}

/// <summary>Direct access to the gateway's SQLite audit table (Microsoft.Data.Sqlite, no pooling so no file stays open).</summary>
public static class AuditDatabase
{
    /// <summary>Rows with seq &gt; <paramref name="afterSeq"/>, in seq order.</summary>
    public static IReadOnlyList<AuditRow> Read(string databasePath, long afterSeq = 0)
    {
        if (!File.Exists(databasePath))
        {
            return [];
        }

        using var connection = Open(databasePath, readOnly: true);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT seq, type, user_name, session_id, source_address, data FROM audit_events WHERE seq > $after ORDER BY seq;";
        command.Parameters.AddWithValue("$after", afterSeq);
        using var reader = command.ExecuteReader();
        var rows = new List<AuditRow>();
        while (reader.Read())
        {
            var data = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(5)) ?? [];
            rows.Add(new AuditRow(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), data));
        }

        return rows;
    }

    /// <summary>Runs one statement (e.g. a tampering UPDATE or DELETE) and returns the number of rows changed.</summary>
    public static int Execute(string databasePath, string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = Open(databasePath, readOnly: false);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        return command.ExecuteNonQuery();
    }

    private static Microsoft.Data.Sqlite.SqliteConnection Open(string path, bool readOnly)
    {
        var builder = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = readOnly ? Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly : Microsoft.Data.Sqlite.SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = 10,
        };
        var connection = new Microsoft.Data.Sqlite.SqliteConnection(builder.ToString());
        connection.Open();
        using var busy = connection.CreateCommand();
        busy.CommandText = "PRAGMA busy_timeout = 10000;";
        busy.ExecuteNonQuery();
        return connection;
    }
}

using System.Globalization;
using System.Net;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// Everything an end-to-end test needs, wired the way an administrator would: a real sshd target ("web-1") on its own
/// loopback alias, a data directory prepared with the real CLI (<c>hostkey show</c>, <c>target add</c>,
/// <c>access allow * *</c>), and the gateway (<c>serve</c>) on another alias. Users are added per test
/// (<see cref="AddTotpUserAsync"/>, <see cref="AddAutomationUserAsync"/>) so TOTP codes never collide, and each
/// <see cref="NewClient"/> binds its gateway connections to a fresh source alias, so a test finds its own
/// connection's events in the audit trail by <see cref="AuditLine.SourceAddress"/>. The failure-path tests start it
/// with <see cref="StartWithoutRulesAsync(string[])"/> (no blanket rule, the default auth-failure delay) and add users
/// with their own rules (<see cref="AddUserAsync"/>). The one test bed of the end-to-end tests.
/// </summary>
public sealed partial class BastionTestbed : IAsyncDisposable
{
    /// <summary>Inventory name of the sshd target.</summary>
    public const string TargetName = "web-1";

    /// <summary>What users type: the name with the domain suffix (resolved by the gateway, never by DNS).</summary>
    public const string TargetHost = "web-1.dev";

    private readonly TempDirectory _dir;
    private readonly Dictionary<string, SshKeyPair> _keys = new(StringComparer.Ordinal);

    private BastionTestbed(TempDirectory dir, string dataDirectory, SshdTarget target, GatewayProcess gateway, string knownHostsLine, string fingerprint)
    {
        _dir = dir;
        DataDirectory = dataDirectory;
        Target = target;
        Gateway = gateway;
        GatewayKnownHostsLine = knownHostsLine;
        GatewayHostKeyFingerprint = fingerprint;
    }

    /// <summary>The gateway's --data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>Scratch directory of this testbed (removed at dispose).</summary>
    public TempDirectory Directory => _dir;

    /// <summary>The real sshd behind the gateway.</summary>
    public SshdTarget Target { get; }

    /// <summary>The gateway process.</summary>
    public GatewayProcess Gateway { get; }

    /// <summary>The known_hosts line printed by <c>bastion hostkey show</c> (for this gateway's address and port).</summary>
    public string GatewayKnownHostsLine { get; }

    /// <summary>"SHA256:…" printed by <c>bastion hostkey show</c>.</summary>
    public string GatewayHostKeyFingerprint { get; }

    /// <summary>The gateway's host key as known_hosts carries it after the host ("ssh-ed25519 AAAA…").</summary>
    public string GatewayHostKey => GatewayKnownHostsLine[(GatewayKnownHostsLine.IndexOf(' ', StringComparison.Ordinal) + 1)..];

    /// <summary>The SQLite store of the gateway.</summary>
    public string DatabasePath => Path.Combine(DataDirectory, "bastion.db");

    /// <summary>
    /// Starts target and gateway. <paramref name="extraServeArgs"/> go to <c>serve</c> (e.g.
    /// "--Bastion:Ssh:RekeyAfterBytes=1048576"); the auth failure delay is lowered to 100 ms.
    /// </summary>
    public static Task<BastionTestbed> StartAsync(params string[] extraServeArgs) => StartAsync(null, extraServeArgs);

    /// <summary>As <see cref="StartAsync(string[])"/>, with extra environment for the gateway process.</summary>
    public static Task<BastionTestbed> StartAsync(IReadOnlyDictionary<string, string?>? gatewayEnvironment, params string[] extraServeArgs) =>
        StartAsync(gatewayEnvironment, null, extraServeArgs);

    /// <summary>As <see cref="StartAsync(string[])"/>, with the gateway and every CLI verb on <paramref name="database"/>.</summary>
    public static Task<BastionTestbed> StartOnPostgresAsync(PostgresTestDatabase database, params string[] extraServeArgs) =>
        StartAsync(null,
            new Dictionary<string, string> { ["Bastion__Store__Provider"] = "postgres", ["Bastion__Store__ConnectionString"] = database.ConnectionString },
            extraServeArgs);

    /// <summary>
    /// As <see cref="StartAsync(string[])"/>; <paramref name="dataEnvironment"/> is written to the data directory's
    /// <see cref="GatewayBinary.EnvironmentFileName"/>, so the gateway and every CLI verb on it get it (e.g. the
    /// Bastion__Store__* settings of a PostgreSQL database).
    /// </summary>
    public static Task<BastionTestbed> StartAsync(
        IReadOnlyDictionary<string, string?>? gatewayEnvironment, IReadOnlyDictionary<string, string>? dataEnvironment, params string[] extraServeArgs) =>
        StartAsync(forEveryone: true, gatewayEnvironment, dataEnvironment, extraServeArgs);

    /// <summary>
    /// For failure paths: no <c>access allow * *</c> (each user gets its own rule from <see cref="AddUserAsync"/>, so a
    /// denial is a denial) and the gateway's own auth-failure delay unless <paramref name="serveArgs"/> set one.
    /// </summary>
    public static Task<BastionTestbed> StartWithoutRulesAsync(params string[] serveArgs) => StartWithoutRulesAsync(null, serveArgs);

    /// <summary>As <see cref="StartWithoutRulesAsync(string[])"/>, with extra environment for the gateway process (e.g. DOTNET_GCHeapHardLimit).</summary>
    public static Task<BastionTestbed> StartWithoutRulesAsync(IReadOnlyDictionary<string, string?>? gatewayEnvironment, params string[] serveArgs) =>
        StartAsync(forEveryone: false, gatewayEnvironment, null, serveArgs);

    private static async Task<BastionTestbed> StartAsync(
        bool forEveryone, IReadOnlyDictionary<string, string?>? gatewayEnvironment, IReadOnlyDictionary<string, string>? dataEnvironment, string[] extraServeArgs)
    {
        var dir = new TempDirectory("bastion-e2e");
        SshdTarget? target = null;
        try
        {
            target = await SshdTarget.StartAsync().ConfigureAwait(false);
            var data = dir.SubDirectory("data");
            if (dataEnvironment is not null)
            {
                await File.WriteAllLinesAsync(Path.Combine(data, GatewayBinary.EnvironmentFileName),
                    dataEnvironment.Select(kv => $"{kv.Key}={kv.Value}")).ConfigureAwait(false);
            }
            var (address, port) = LoopbackAddresses.Shared.NextEndpoint(22);

            // The known_hosts line exactly as an administrator would hand it out: the CLI reads the listen address and
            // port from configuration (here the environment), as `serve` will.
            var env = new Dictionary<string, string?>
            {
                ["Bastion__Ssh__ListenAddress"] = address.ToString(),
                ["Bastion__Ssh__Port"] = port.ToString(CultureInfo.InvariantCulture),
            };
            var show = (await ProcessRunner.RunAsync(GatewayBinary.Spec(data, ["hostkey", "show"], env)).ConfigureAwait(false)).EnsureSuccess("bastion hostkey show");
            var knownHosts = show.StandardOutput.Split('\n').Select(l => l.Trim())
                .FirstOrDefault(l => l.StartsWith("known_hosts: ", StringComparison.Ordinal))?["known_hosts: ".Length..]
                ?? throw new InvalidOperationException("bastion hostkey show printed no known_hosts line:\n" + show.Describe());
            var fingerprint = show.StandardOutput.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
                .FirstOrDefault(w => w.StartsWith("SHA256:", StringComparison.Ordinal))
                ?? throw new InvalidOperationException("bastion hostkey show printed no SHA256 fingerprint:\n" + show.Describe());

            await GatewayCli.AddTargetAsync(data, TargetName, LoopbackAddresses.Format(target.Address, target.Port)).ConfigureAwait(false);
            string[] serveArgs = extraServeArgs;
            if (forEveryone)
            {
                await GatewayCli.AllowAsync(data, "*", "*").ConfigureAwait(false);
                serveArgs = ["--Bastion:Ssh:AuthFailureDelayMilliseconds=100", .. extraServeArgs];
            }

            var gateway = await GatewayProcess.StartAsync(data, address, port, serveArgs, gatewayEnvironment).ConfigureAwait(false);
            return new BastionTestbed(dir, data, target, gateway, knownHosts, fingerprint);
        }
        catch
        {
            if (target is not null)
            {
                await target.DisposeAsync().ConfigureAwait(false);
            }

            dir.Dispose();
            throw;
        }
    }

    /// <summary>The gateway endpoint for <paramref name="user"/> (ssh://user@alias:port, or .JumpSpec for -J).</summary>
    public SshEndpoint GatewayEndpoint(string user) => Gateway.Endpoint(user);

    /// <summary><c>user add NAME</c>, <c>key add NAME --file</c>, <c>totp enroll NAME --no-qr</c>; returns the base32 secret.</summary>
    public async Task<string> AddTotpUserAsync(string name)
    {
        await GatewayCli.AddUserAsync(DataDirectory, name).ConfigureAwait(false);
        await AddKeyAsync(name).ConfigureAwait(false);
        var enroll = await GatewayCli.RunCheckedAsync(DataDirectory, "totp", "enroll", name, "--no-qr").ConfigureAwait(false);
        return OtpAuthUri.FindIn(enroll.StandardOutput).Secret;
    }

    /// <summary><c>user add NAME --automation</c> and <c>key add</c>: logs in with the key alone.</summary>
    public Task AddAutomationUserAsync(string name) => AddAutomationUserAsync(name, null);

    /// <summary>
    /// As <see cref="AddAutomationUserAsync(string)"/>, the gateway's key line carrying authorized_keys
    /// <paramref name="keyOptions"/> (e.g. <c>from="127.0.0.2"</c>); the target authorizes the bare key.
    /// </summary>
    public async Task AddAutomationUserAsync(string name, string? keyOptions)
    {
        await GatewayCli.AddUserAsync(DataDirectory, name, automation: true).ConfigureAwait(false);
        await AddKeyAsync(name, keyOptions).ConfigureAwait(false);
    }

    /// <summary>The key of <paramref name="user"/> (made by <see cref="AddTotpUserAsync"/> / <see cref="AddAutomationUserAsync"/>).</summary>
    public SshKeyPair KeyOf(string user)
    {
        lock (_keys)
        {
            return _keys.TryGetValue(user, out var key) ? key : throw new InvalidOperationException($"no key made for user {user}: add the user first");
        }
    }

    /// <summary>A key may belong to one gateway user only, so each user gets its own (enrolled at the gateway with
    /// <c>key add</c> and authorized for root at the target).</summary>
    private async Task AddKeyAsync(string user, string? keyOptions = null)
    {
        var key = await SshKeyPair.GenerateAsync(_dir.SubDirectory("keys"), SshKeyType.Ed25519, "id_" + user).ConfigureAwait(false);
        if (keyOptions is null)
        {
            await GatewayCli.AddKeyAsync(DataDirectory, user, key).ConfigureAwait(false);
        }
        else
        {
            await GatewayCli.RunCheckedAsync(DataDirectory, "key", "add", user, $"{keyOptions} {key.PublicKeyLine}").ConfigureAwait(false);
        }
        Target.AuthorizeKey(key.PublicKeyLine);
        lock (_keys)
        {
            _keys[user] = key;
        }
    }

    /// <summary>
    /// A real OpenSSH client for <paramref name="user"/>: its ssh_config routes "*.dev" through the gateway
    /// (ProxyJump, User root), pins the gateway's host key with the line from <c>hostkey show</c> and the target's
    /// under "web-1.dev", and has a Host block for the gateway (the jump hop and direct logins) holding
    /// BindAddress=<paramref name="sourceAddress"/> (default: a fresh alias) plus <paramref name="gatewayHopOptions"/>
    /// (e.g. Ciphers, KexAlgorithms, RekeyLimit — options given with -o on the command line do not reach the jump hop).
    /// </summary>
    public GatewayClient NewClient(string user, IEnumerable<(string Key, string Value)>? gatewayHopOptions = null, IPAddress? sourceAddress = null, string? identityFile = null) =>
        NewClientVia(Gateway, user, gatewayHopOptions, sourceAddress, identityFile);

    /// <summary>As <see cref="NewClient"/>, jumping through <paramref name="gateway"/> (e.g. a second node from <see cref="StartAnotherNodeAsync"/>).</summary>
    public GatewayClient NewClientVia(GatewayProcess gateway, string user, IEnumerable<(string Key, string Value)>? gatewayHopOptions = null, IPAddress? sourceAddress = null, string? identityFile = null)
    {
        var source = sourceAddress ?? LoopbackAddresses.Shared.Next();
        var ssh = new OpenSshClient(_dir.SubDirectory("client-" + user + "-" + Guid.NewGuid().ToString("N")[..6]), identityFile ?? KeyOf(user).PrivateKeyPath);
        if (ReferenceEquals(gateway, Gateway))
        {
            File.AppendAllText(ssh.KnownHostsPath, GatewayKnownHostsLine + "\n");
        }
        else
        {
            // Every node presents the same host key (copied by StartAnotherNodeAsync), under its own address.
            ssh.TrustHostKey(gateway.Address.ToString(), gateway.Port, GatewayKnownHostsLine[(GatewayKnownHostsLine.IndexOf(' ', StringComparison.Ordinal) + 1)..]);
        }
        ssh.TrustHostKey(TargetHost, 22, Target.HostKeyLine);
        ssh.AddHostBlock(gateway.Address.ToString(), [("BindAddress", source.ToString()), .. gatewayHopOptions ?? []]);
        ssh.AddHostBlock("*.dev", ("ProxyJump", gateway.Endpoint(user).JumpSpec), ("User", "root"));
        return new GatewayClient(ssh, user, source);
    }

    /// <summary>
    /// Another gateway node on the same store, as an operator would add one behind a load balancer: its own data
    /// directory holding copies of the host key and the secret key (so clients see one host key and TOTP seeds
    /// decrypt everywhere), of the recorded-mode client key if there is one (targets trust one key) and of the store settings, its own address and <c>Bastion:NodeId</c>.
    /// </summary>
    public Task<GatewayProcess> StartAnotherNodeAsync(string nodeId, params string[] extraServeArgs) =>
        StartAnotherNodeAsync(nodeId, null, extraServeArgs);

    /// <summary>As <see cref="StartAnotherNodeAsync(string, string[])"/>, with <paramref name="environment"/> over the
    /// copied settings (e.g. its own Bastion__Store__ConnectionString through a proxy).</summary>
    public async Task<GatewayProcess> StartAnotherNodeAsync(string nodeId, IReadOnlyDictionary<string, string?>? environment, params string[] extraServeArgs)
    {
        var data = _dir.SubDirectory("data-" + nodeId);
        foreach (var file in System.IO.Directory.GetFiles(DataDirectory))
        {
            var name = Path.GetFileName(file);
            if (name.StartsWith("ssh_host_", StringComparison.Ordinal) || name is "secret.key" or "target_client_key" || name == GatewayBinary.EnvironmentFileName)
            {
                File.Copy(file, Path.Combine(data, name));
            }
        }
        var (address, port) = LoopbackAddresses.Shared.NextEndpoint(22);
        return await GatewayProcess.StartAsync(data, address, port,
            ["--Bastion:Ssh:AuthFailureDelayMilliseconds=100", $"--Bastion:NodeId={nodeId}", .. extraServeArgs], environment).ConfigureAwait(false);
    }

    /// <summary>Polls <c>audit tail</c> until <paramref name="predicate"/> holds (bounded); see <see cref="AuditTail.WaitForAsync"/>.</summary>
    public Task<IReadOnlyList<AuditLine>> WaitForAuditAsync(Func<IReadOnlyList<AuditLine>, bool> predicate, string what, TimeSpan? timeout = null) =>
        AuditTail.WaitForAsync(DataDirectory, predicate, what, timeout);

    /// <summary>Gateway output and target log, for assertion messages.</summary>
    public string Logs() =>
        $"\n--- gateway output ---\n{Tail(Gateway.Output)}\n--- target sshd log ---\n{Tail(Target.Log)}";

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync().ConfigureAwait(false);
        await Target.DisposeAsync().ConfigureAwait(false);
        _dir.Dispose();
    }

    private static string Tail(string s) => s.Length <= 12_000 ? s : "[…]\n" + s[^12_000..];
}

/// <summary>An OpenSSH client prepared by <see cref="BastionTestbed.NewClient"/>.</summary>
/// <param name="Ssh">The client (ssh/scp/sftp with the generated ssh_config).</param>
/// <param name="User">The gateway user it logs in as.</param>
/// <param name="SourceAddress">The loopback alias its gateway connections come from (audit src=ADDRESS:port).</param>
public sealed record GatewayClient(OpenSshClient Ssh, string User, IPAddress SourceAddress)
{
    /// <summary>True if <paramref name="line"/> is from one of this client's gateway connections.</summary>
    public bool Owns(AuditLine line) => line.SourceAddress == SourceAddress.ToString();

    /// <summary>Arms the askpass helper with the current TOTP code of <paramref name="secret"/> (computed independently of the gateway).</summary>
    public void AnswerTotpWith(string secret) => Ssh.AskPass.SetAnswer(TotpCode.Compute(secret, DateTimeOffset.UtcNow));
}

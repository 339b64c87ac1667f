using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>Where the built gateway is and how to run it (<c>dotnet bastion.dll</c>).</summary>
public static class GatewayBinary
{
    /// <summary>
    /// bastion.dll as the gateway project built it. Next to the gateway tests it is a faithful copy; other test projects
    /// (the admin app's) pull in other framework references, so they run it from the gateway's own output folder.
    /// </summary>
    public static string BastionDll { get; } = FindBastionDll();

    private static string FindBastionDll()
    {
        var local = Path.Combine(AppContext.BaseDirectory, "bastion.dll");
        // …/tests/X.Tests/bin/<Configuration>/net10.0/ → …/gateway/Bastion.Gateway/bin/<Configuration>/net10.0/bastion.dll
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = output.Parent?.Name ?? "Debug";
        for (var dir = output; dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "gateway", "Bastion.Gateway", "bin", configuration, output.Name, "bastion.dll");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return local;
    }

    /// <summary>The dotnet host: DOTNET_HOST_PATH (set by dotnet test), the host running the tests, or "dotnet".</summary>
    public static string DotnetHost
    {
        get
        {
            var fromEnv = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
            if (!string.IsNullOrEmpty(fromEnv) && File.Exists(fromEnv))
            {
                return fromEnv;
            }

            var self = Environment.ProcessPath;
            return self is not null && Path.GetFileName(self) == "dotnet" ? self : "dotnet";
        }
    }

    /// <summary>Throws a clear message if bastion.dll was not built next to the tests.</summary>
    public static string RequireBastionDll() =>
        File.Exists(BastionDll)
            ? BastionDll
            : throw new InvalidOperationException($"{BastionDll} not found: build the solution (dotnet build Bastion.sln) — the test project references gateway/Bastion.Gateway, which copies bastion.dll next to the tests.");

    /// <summary>
    /// Test-only file in a data directory: KEY=VALUE lines added to the environment of every process started on that
    /// directory (the gateway and each CLI verb), so a testbed can point them all at one store, e.g. PostgreSQL.
    /// </summary>
    public const string EnvironmentFileName = "test-environment.env";

    /// <summary>Process spec for <c>dotnet bastion.dll --data DIR ARGS…</c>.</summary>
    public static ProcessSpec Spec(string dataDirectory, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var env = new Dictionary<string, string?>
        {
            ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1",
            ["DOTNET_NOLOGO"] = "1",
        };
        var environmentFile = Path.Combine(dataDirectory, EnvironmentFileName);
        if (File.Exists(environmentFile))
        {
            foreach (var line in File.ReadAllLines(environmentFile).Where(l => l.Contains('=', StringComparison.Ordinal)))
            {
                env[line[..line.IndexOf('=', StringComparison.Ordinal)]] = line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..];
            }
        }
        foreach (var (k, v) in environment ?? new Dictionary<string, string?>())
        {
            env[k] = v;
        }

        return new ProcessSpec(DotnetHost, [RequireBastionDll(), "--data", dataDirectory, .. args])
        {
            Environment = env,
            WorkingDirectory = dataDirectory,
        };
    }
}

/// <summary>
/// The gateway as a separate process: <c>dotnet bastion.dll --data DIR serve --listen ADDR --port N</c>.
/// Waits (bounded) until the port accepts; captures stdout/stderr in <see cref="Output"/>; Dispose sends SIGTERM,
/// then kills after a grace period.
/// </summary>
public sealed partial class GatewayProcess : IAsyncDisposable, IDisposable
{
    private readonly BackgroundProcess _process;

    private GatewayProcess(BackgroundProcess process, string dataDirectory, IPAddress address, int port)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Address = address;
        Port = port;
    }

    /// <summary>The --data directory.</summary>
    public string DataDirectory { get; }

    /// <summary>Listen address.</summary>
    public IPAddress Address { get; }

    /// <summary>Listen port.</summary>
    public int Port { get; }

    /// <summary>Process id of the dotnet process.</summary>
    public int ProcessId => _process.Id;

    /// <summary>stdout + stderr so far.</summary>
    public string Output => _process.Output;

    /// <summary>True once the gateway process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Exit code once exited.</summary>
    public int? ExitCode => _process.ExitCode;

    /// <summary>"SHA256:…" from the "host key [TYPE] SHA256:…" line printed at start, or null if not (yet) printed.</summary>
    public string? PrintedHostKeyFingerprint => HostKeyLineRegex().Match(Output) is { Success: true } m ? m.Groups[1].Value : null;

    /// <summary>Endpoint to log in to the gateway as <paramref name="user"/>; use <c>.JumpSpec</c> for ProxyJump.</summary>
    public SshEndpoint Endpoint(string user) => new(user, Address, Port);

    /// <summary>
    /// Starts the gateway on <paramref name="listen"/> (default 127.0.0.1) and <paramref name="port"/> (default: a free
    /// port) and waits up to <paramref name="startTimeout"/> (default 60 s) for the port to accept connections.
    /// </summary>
    public static async Task<GatewayProcess> StartAsync(
        string dataDirectory,
        IPAddress? listen = null,
        int? port = null,
        IEnumerable<string>? extraServeArgs = null,
        IReadOnlyDictionary<string, string?>? environment = null,
        TimeSpan? startTimeout = null)
    {
        var address = listen ?? IPAddress.Loopback;
        var p = port ?? LoopbackAddresses.FreePort(address);
        System.IO.Directory.CreateDirectory(dataDirectory);
        var args = new List<string> { "serve", "--listen", address.ToString(), "--port", p.ToString(CultureInfo.InvariantCulture) };
        args.AddRange(extraServeArgs ?? []);
        var process = BackgroundProcess.Start(GatewayBinary.Spec(dataDirectory, args, environment));
        var gateway = new GatewayProcess(process, dataDirectory, address, p);
        try
        {
            await LoopbackAddresses.WaitUntilAcceptingAsync(address, p, startTimeout ?? TimeSpan.FromSeconds(60), process, "bastion gateway").ConfigureAwait(false);
        }
        catch
        {
            await gateway.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        return gateway;
    }

    /// <summary>The host key as seen on the wire (ssh-keyscan), "ssh-ed25519 AAAA…".</summary>
    public Task<string> ScanHostKeyAsync(string type = "ed25519") => OpenSshClient.KeyScanAsync(Address.ToString(), Port, type);

    /// <summary>SIGTERM, wait up to <paramref name="grace"/> (default 10 s), then SIGKILL. Returns the exit code.</summary>
    public Task<int?> StopAsync(TimeSpan? grace = null) => _process.StopAsync(graceful: true, grace);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(graceful: true).ConfigureAwait(false);
        await _process.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    [GeneratedRegex(@"host key (?:[a-z0-9@.\-]+ )?(SHA256:[A-Za-z0-9+/=]+)")]
    private static partial Regex HostKeyLineRegex();
}

/// <summary>Runs the gateway's admin CLI: <c>dotnet bastion.dll --data DIR ARGS…</c>.</summary>
public static class GatewayCli
{
    /// <summary>Runs one CLI command (timeout 60 s) and returns exit code and output; never throws on failure.</summary>
    public static Task<ProcessResult> RunAsync(string dataDirectory, params string[] args) =>
        ProcessRunner.RunAsync(GatewayBinary.Spec(dataDirectory, args));

    /// <summary>Runs one CLI command and throws with its full output unless it exits 0.</summary>
    public static async Task<ProcessResult> RunCheckedAsync(string dataDirectory, params string[] args) =>
        (await RunAsync(dataDirectory, args).ConfigureAwait(false)).EnsureSuccess("bastion " + string.Join(' ', args.Select(ProcessSpec.Quote)));

    /// <summary><c>user add NAME [--automation] [--group G]…</c></summary>
    public static Task<ProcessResult> AddUserAsync(string dataDirectory, string name, bool automation = false, params string[] groups) =>
        RunCheckedAsync(dataDirectory, ["user", "add", name, .. automation ? new[] { "--automation" } : [], .. groups.SelectMany(g => new[] { "--group", g })]);

    /// <summary><c>key add USER --file PATH</c> (the .pub file of <paramref name="key"/>).</summary>
    public static Task<ProcessResult> AddKeyAsync(string dataDirectory, string user, SshKeyPair key) =>
        RunCheckedAsync(dataDirectory, "key", "add", user, "--file", key.PublicKeyPath);

    /// <summary><c>totp enroll USER</c>; returns the parsed otpauth URI (its ToString redacts the secret).</summary>
    public static async Task<OtpAuthUri> EnrollTotpAsync(string dataDirectory, string user) =>
        OtpAuthUri.FindIn((await RunCheckedAsync(dataDirectory, "totp", "enroll", user).ConfigureAwait(false)).StandardOutput);

    /// <summary><c>target add NAME HOST:PORT [--account A] [--tag k=v]…</c></summary>
    public static Task<ProcessResult> AddTargetAsync(string dataDirectory, string name, string hostPort, string? account = null, params string[] tags) =>
        RunCheckedAsync(dataDirectory, ["target", "add", name, hostPort, .. account is null ? [] : new[] { "--account", account }, .. tags.SelectMany(t => new[] { "--tag", t })]);

    /// <summary><c>access allow SUBJECT PATTERN [--tag k=v]…</c> (SUBJECT: user, @group or *).</summary>
    public static Task<ProcessResult> AllowAsync(string dataDirectory, string subject, string pattern, params string[] tags) =>
        RunCheckedAsync(dataDirectory, ["access", "allow", subject, pattern, .. tags.SelectMany(t => new[] { "--tag", t })]);
}

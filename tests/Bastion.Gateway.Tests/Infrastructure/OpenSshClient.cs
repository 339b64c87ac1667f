using System.Globalization;
using System.Text;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>Per-call options for <see cref="OpenSshClient"/>.</summary>
public sealed record SshCallOptions
{
    /// <summary>ProxyJump (-J) spec, e.g. <c>gateway.Endpoint("alice").JumpSpec</c>; several hops comma-separated.</summary>
    public string? ProxyJump { get; init; }

    /// <summary>Extra "-o Key=Value" options (placed before the client defaults, so they win).</summary>
    public IReadOnlyDictionary<string, string>? Options { get; init; }

    /// <summary>Extra raw arguments placed before the destination (e.g. "-v", "-N", "-W", "host:22").</summary>
    public IReadOnlyList<string> ExtraArgs { get; init; } = [];

    /// <summary>Text for stdin (stdin is closed after it; empty by default).</summary>
    public string? StandardInput { get; init; }

    /// <summary>File streamed to stdin.</summary>
    public string? StandardInputFile { get; init; }

    /// <summary>stdout goes byte for byte to this file (see <see cref="ProcessSpec.StandardOutputFile"/>).</summary>
    public string? StandardOutputFile { get; init; }

    /// <summary>Hard timeout (process group killed); default <see cref="OpenSshClient.Timeout"/>.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>Extra environment (null removes a variable).</summary>
    public IReadOnlyDictionary<string, string?>? Environment { get; init; }
}

/// <summary>
/// Drives the real OpenSSH client tools (ssh, scp, sftp) without depending on the machine's ~/.ssh: every call
/// uses a generated ssh_config (<see cref="ConfigPath"/>, passed with -F, which ssh also passes to a ProxyJump's
/// inner ssh — plain -o options are NOT passed on to it) holding this client's known_hosts, identity and defaults,
/// plus the same settings as -o options. Keyboard-interactive prompts (TOTP) are answered by <see cref="AskPass"/>;
/// processes run under <c>setsid</c> with SSH_ASKPASS_REQUIRE=force.
/// </summary>
public sealed class OpenSshClient
{
    private readonly List<(string Pattern, IReadOnlyList<KeyValuePair<string, string>> Options)> _hostBlocks = [];
    private readonly Lock _gate = new();

    /// <summary>Creates the client's files (known_hosts, ssh_config, askpass helper) in <paramref name="directory"/>.</summary>
    public OpenSshClient(string directory, string? identityFile = null)
    {
        Directory = directory;
        IdentityFile = identityFile;
        KnownHostsPath = Path.Combine(directory, "known_hosts");
        ConfigPath = Path.Combine(directory, "ssh_config");
        File.AppendAllText(KnownHostsPath, "");
        AskPass = new AskPass(directory);
        WriteConfig();
    }

    /// <summary>Directory holding this client's files.</summary>
    public string Directory { get; }

    /// <summary>Private key used (IdentitiesOnly=yes). Null: none is configured (ssh would fall back to ~/.ssh defaults).</summary>
    public string? IdentityFile { get; set; }

    /// <summary>StrictHostKeyChecking value (yes by default: every host key must be trusted first).</summary>
    public string StrictHostKeyChecking { get; set; } = "yes";

    /// <summary>ConnectTimeout in seconds.</summary>
    public int ConnectTimeoutSeconds { get; set; } = 10;

    /// <summary>Default hard timeout per call.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The UserKnownHostsFile (GlobalKnownHostsFile is /dev/null).</summary>
    public string KnownHostsPath { get; }

    /// <summary>The generated ssh_config passed with -F (rewritten before each call).</summary>
    public string ConfigPath { get; }

    /// <summary>The SSH_ASKPASS helper answering prompts (set the TOTP code with <see cref="AskPass.SetAnswer"/>).</summary>
    public AskPass AskPass { get; }

    /// <summary>Trusts <paramref name="hostKey"/> ("ssh-ed25519 AAAA…") for host:port (name as the client will use it,
    /// e.g. "web-1.dev" for a host reached through the gateway, or 127.0.0.1 + gateway port).</summary>
    public void TrustHostKey(string host, int port, string hostKey)
    {
        lock (_gate)
        {
            File.AppendAllText(KnownHostsPath, KnownHosts.Line(host, port, hostKey) + "\n");
        }
    }

    /// <summary>Trusts a server's host key under its own address and port.</summary>
    public void TrustHostKey(SshdTarget server) => TrustHostKey(server.Address.ToString(), server.Port, server.HostKeyLine);

    /// <summary>
    /// Adds a "Host PATTERN" block to the generated ssh_config, before the "Host *" defaults (first value wins),
    /// e.g. <c>AddHostBlock("*.dev", ("ProxyJump", gw.Endpoint("alice").JumpSpec), ("User", "root"))</c> so that
    /// <c>ssh web-1.dev</c> works as it would from a developer laptop.
    /// </summary>
    public void AddHostBlock(string pattern, params (string Key, string Value)[] options)
    {
        lock (_gate)
        {
            _hostBlocks.Add((pattern, options.Select(o => KeyValuePair.Create(o.Key, o.Value)).ToList()));
        }

        WriteConfig();
    }

    /// <summary>The ssh_config text this client uses (also written to <see cref="ConfigPath"/>).</summary>
    public string ConfigText
    {
        get
        {
            var sb = new StringBuilder("# generated by Bastion.Gateway.Tests OpenSshClient\n");
            lock (_gate)
            {
                foreach (var (pattern, options) in _hostBlocks)
                {
                    sb.Append("Host ").Append(pattern).Append('\n');
                    foreach (var (k, v) in options)
                    {
                        sb.Append("    ").Append(k).Append(' ').Append(v).Append('\n');
                    }
                }
            }

            sb.Append("Host *\n");
            foreach (var (k, v) in DefaultOptions())
            {
                sb.Append("    ").Append(k).Append(' ').Append(v).Append('\n');
            }

            return sb.ToString();
        }
    }

    /// <summary>Writes <see cref="ConfigText"/> to <see cref="ConfigPath"/>.</summary>
    public string WriteConfig()
    {
        var text = ConfigText;
        lock (_gate)
        {
            File.WriteAllText(ConfigPath, text);
        }

        return ConfigPath;
    }

    /// <summary>
    /// <c>ssh [options] DESTINATION [-- COMMAND]</c>. Destination: "ssh://user@host:port" (see <see cref="SshEndpoint.SshUri"/>)
    /// or a name resolved through the ssh_config (e.g. "web-1.dev").
    /// </summary>
    public Task<ProcessResult> SshAsync(string destination, string? command = null, SshCallOptions? call = null)
    {
        var args = CommonArgs(call, proxyJumpFlag: "-J");
        args.AddRange(call?.ExtraArgs ?? []);
        args.Add(destination);
        if (command is not null)
        {
            args.Add("--");
            args.Add(command);
        }

        return RunAsync(Tools.Ssh, args, call);
    }

    /// <summary>
    /// Starts ssh without waiting for it (stdin closed at once), for tests that act on a running client: freeze it,
    /// watch its output. Dispose the result to end it and its jump process. No <paramref name="command"/>: for
    /// <c>-N</c> (forwarding only, given in <see cref="SshCallOptions.ExtraArgs"/>).
    /// </summary>
    public BackgroundProcess StartSsh(string destination, string? command, SshCallOptions? call = null)
    {
        var args = CommonArgs(call, proxyJumpFlag: "-J");
        args.AddRange(call?.ExtraArgs ?? []);
        args.Add(destination);
        if (command is not null)
        {
            args.AddRange(["--", command]);
        }
        return BackgroundProcess.Start(new ProcessSpec(Tools.Require(Tools.Ssh), args)
        {
            Environment = ProcessEnvironment(call),
            WorkingDirectory = Directory,
        });
    }

    /// <summary>ssh to an endpoint (ssh://user@host:port).</summary>
    public Task<ProcessResult> SshAsync(SshEndpoint destination, string? command = null, SshCallOptions? call = null) =>
        SshAsync(destination.SshUri, command, call);

    /// <summary><c>scp [options] SOURCE… TARGET</c>; remote operands like <see cref="SshEndpoint.ScpUri"/> or "host:path".</summary>
    public Task<ProcessResult> ScpAsync(IReadOnlyList<string> sources, string target, SshCallOptions? call = null)
    {
        var args = CommonArgs(call, proxyJumpFlag: "-J");
        args.AddRange(call?.ExtraArgs ?? []);
        args.AddRange(sources);
        args.Add(target);
        return RunAsync(Tools.Scp, args, call);
    }

    /// <summary>scp one file.</summary>
    public Task<ProcessResult> ScpAsync(string source, string target, SshCallOptions? call = null) =>
        ScpAsync([source], target, call);

    /// <summary>
    /// <c>sftp -b - [options] DESTINATION</c> running <paramref name="batchCommands"/> (one per line, fed on stdin;
    /// sftp aborts at the first failing command). Destination: "sftp://user@host:port" or a config name.
    /// BatchMode=no is given before -b so the askpass helper still answers prompts.
    /// </summary>
    public Task<ProcessResult> SftpAsync(string destination, string batchCommands, SshCallOptions? call = null)
    {
        var args = CommonArgs(call, proxyJumpFlag: "-J");
        args.AddRange(["-b", "-"]);
        args.AddRange(call?.ExtraArgs ?? []);
        args.Add(destination);
        return RunAsync(Tools.Sftp, args, (call ?? new SshCallOptions()) with { StandardInput = batchCommands });
    }

    /// <summary>sftp to an endpoint.</summary>
    public Task<ProcessResult> SftpAsync(SshEndpoint destination, string batchCommands, SshCallOptions? call = null) =>
        SftpAsync($"sftp://{destination.JumpSpec}", batchCommands, call);

    /// <summary><c>ssh-keyscan -T 5 -t TYPE -p PORT HOST</c>: the server's host key "ssh-ed25519 AAAA…" (independent of the server's own report).</summary>
    public static async Task<string> KeyScanAsync(string host, int port, string type = "ed25519")
    {
        var result = (await ProcessRunner.RunAsync(new ProcessSpec(Tools.Require(Tools.SshKeyscan),
            ["-T", "5", "-t", type, "-p", port.ToString(CultureInfo.InvariantCulture), host]) { Timeout = TimeSpan.FromSeconds(20) }).ConfigureAwait(false))
            .EnsureSuccess("ssh-keyscan");
        var line = result.StandardOutput.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith('#'))
            ?? throw new InvalidOperationException("ssh-keyscan returned no key:\n" + result.Describe());
        return string.Join(' ', line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(2));
    }

    /// <summary>The "Host *" options (also given as -o on the command line).</summary>
    private List<KeyValuePair<string, string>> DefaultOptions()
    {
        var o = new List<KeyValuePair<string, string>>
        {
            new("UserKnownHostsFile", KnownHostsPath),
            new("GlobalKnownHostsFile", "/dev/null"),
            new("StrictHostKeyChecking", StrictHostKeyChecking),
            new("IdentitiesOnly", "yes"),
            new("IdentityAgent", "none"),
            new("BatchMode", "no"),
            new("ConnectTimeout", ConnectTimeoutSeconds.ToString(CultureInfo.InvariantCulture)),
            new("ControlMaster", "no"),
            new("ControlPath", "none"),
            new("UpdateHostKeys", "no"),
            new("ForwardAgent", "no"),
            new("ForwardX11", "no"),
            new("ServerAliveInterval", "0"),
        };
        if (IdentityFile is not null)
        {
            o.Add(new("IdentityFile", IdentityFile));
        }

        return o;
    }

    private List<string> CommonArgs(SshCallOptions? call, string proxyJumpFlag)
    {
        Tools.Require(Tools.Ssh);
        var args = new List<string> { "-F", WriteConfig() };
        foreach (var (k, v) in call?.Options ?? new Dictionary<string, string>())
        {
            args.Add("-o");
            args.Add($"{k}={v}");
        }

        foreach (var (k, v) in DefaultOptions())
        {
            if (k == "IdentityFile")
            {
                args.Add("-i");
                args.Add(v);
            }
            else
            {
                args.Add("-o");
                args.Add($"{k}={v}");
            }
        }

        if (call?.ProxyJump is { } jump)
        {
            args.Add(proxyJumpFlag);
            args.Add(jump);
        }

        return args;
    }

    private Dictionary<string, string?> ProcessEnvironment(SshCallOptions? call)
    {
        var env = new Dictionary<string, string?>(AskPass.Environment) { ["SSH_AUTH_SOCK"] = null };
        foreach (var (k, v) in call?.Environment ?? new Dictionary<string, string?>())
        {
            env[k] = v;
        }

        return env;
    }

    private Task<ProcessResult> RunAsync(string tool, List<string> args, SshCallOptions? call)
    {
        return ProcessRunner.RunAsync(new ProcessSpec(Tools.Require(tool), args)
        {
            Environment = ProcessEnvironment(call),
            StandardInput = call?.StandardInput,
            StandardInputFile = call?.StandardInputFile,
            StandardOutputFile = call?.StandardOutputFile,
            Timeout = call?.Timeout ?? Timeout,
            WorkingDirectory = Directory,
        });
    }
}

using System.Net;
using System.Text;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>Options for <see cref="SshdTarget.StartAsync"/>.</summary>
public sealed record SshdTargetOptions
{
    /// <summary>Listen address; null = a fresh alias from <see cref="LoopbackAddresses.Shared"/>.</summary>
    public IPAddress? Address { get; init; }

    /// <summary>Port; null = 22 if free on the alias, else a free port.</summary>
    public int? Port { get; init; }

    /// <summary>Extra sshd_config lines. They are written before the defaults, and sshd keeps the first value it reads
    /// for a keyword, so these override the defaults (e.g. "AllowTcpForwarding no"). Do not put Match blocks here.</summary>
    public IReadOnlyList<string> ExtraConfig { get; init; } = [];

    /// <summary>sshd LogLevel (VERBOSE logs accepted key fingerprints and forwardings).</summary>
    public string LogLevel { get; init; } = "VERBOSE";

    /// <summary>MaxSessions per connection.</summary>
    public int MaxSessions { get; init; } = 10;

    /// <summary>Bound on waiting for the port to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Public keys (authorized_keys lines) to authorize from the start.</summary>
    public IReadOnlyList<string> AuthorizedKeys { get; init; } = [];
}

/// <summary>
/// A real OpenSSH server (<c>/usr/sbin/sshd -D -e -f CONFIG</c>) on a loopback alias, with its own ed25519 host key
/// and an authorized_keys file the test controls. Logins as root by key only. Dispose kills it (and every
/// per-connection child) and keeps its log in <see cref="Log"/>.
/// </summary>
public sealed class SshdTarget : IAsyncDisposable, IDisposable
{
    private readonly BackgroundProcess _process;
    private readonly TempDirectory _dir;

    private SshdTarget(TempDirectory dir, BackgroundProcess process, IPAddress address, int port, string hostKeyLine, string hostKeyFingerprint, string configPath)
    {
        _dir = dir;
        _process = process;
        Address = address;
        Port = port;
        HostKeyLine = hostKeyLine;
        HostKeyFingerprint = hostKeyFingerprint;
        ConfigPath = configPath;
    }

    /// <summary>Listen address.</summary>
    public IPAddress Address { get; }

    /// <summary>Listen port.</summary>
    public int Port { get; }

    /// <summary>Host public key, "ssh-ed25519 AAAA…" (no host name; see <see cref="KnownHostsLine"/>).</summary>
    public string HostKeyLine { get; }

    /// <summary>"SHA256:…" of the host key.</summary>
    public string HostKeyFingerprint { get; }

    /// <summary>known_hosts line for this server under its own address:port.</summary>
    public string KnownHostsLine => KnownHosts.Line(Address.ToString(), Port, HostKeyLine);

    /// <summary>Path of the generated sshd_config.</summary>
    public string ConfigPath { get; }

    /// <summary>The authorized_keys file sshd reads (for every user).</summary>
    public string AuthorizedKeysPath => _dir.File("authorized_keys");

    /// <summary>This server's private directory (config, host key, pid file).</summary>
    public string Directory => _dir.Path;

    /// <summary>Listener process id (per-connection children are its descendants).</summary>
    public int ProcessId => _process.Id;

    /// <summary>sshd's log so far (-e: all of it, incl. per-connection children, goes to stderr).</summary>
    public string Log => _process.Output;

    /// <summary>The endpoint to log in as <paramref name="user"/> (default root).</summary>
    public SshEndpoint Endpoint(string user = "root") => new(user, Address, Port);

    /// <summary>Appends an authorized_keys line (takes effect for the next login).</summary>
    public void AuthorizeKey(string publicKeyLine) =>
        File.AppendAllText(AuthorizedKeysPath, publicKeyLine.Trim() + "\n");

    /// <summary>Generates the host key and config, checks it with <c>sshd -t</c>, starts sshd and waits (bounded) until it
    /// listens (its "Server listening on" log line, printed after listen()).</summary>
    public static async Task<SshdTarget> StartAsync(SshdTargetOptions? options = null)
    {
        options ??= new SshdTargetOptions();
        var sshd = Tools.Require(Tools.Sshd);
        Tools.Require(Tools.SftpServer);
        System.IO.Directory.CreateDirectory("/run/sshd"); // privilege separation directory

        IPAddress address;
        int port;
        if (options.Address is not null)
        {
            address = options.Address;
            port = options.Port ?? (LoopbackAddresses.IsPortFree(address, 22) ? 22 : LoopbackAddresses.FreePort(address));
        }
        else if (options.Port is { } p)
        {
            (address, port) = LoopbackAddresses.Shared.NextEndpoint(p);
        }
        else
        {
            (address, port) = LoopbackAddresses.Shared.NextEndpoint(22);
        }

        var dir = new TempDirectory("bastion-sshd");
        try
        {
            var hostKey = await SshKeyPair.GenerateAsync(dir.Path, SshKeyType.Ed25519, "ssh_host_ed25519_key").ConfigureAwait(false);
            await File.WriteAllTextAsync(dir.File("authorized_keys"), string.Concat(options.AuthorizedKeys.Select(k => k.Trim() + "\n"))).ConfigureAwait(false);
            var config = BuildConfig(dir, address, port, hostKey.PrivateKeyPath, options);
            var configPath = dir.File("sshd_config");
            await File.WriteAllTextAsync(configPath, config).ConfigureAwait(false);

            // Validate first: a config error is reported clearly rather than as a timeout.
            (await ProcessRunner.RunAsync(sshd, "-t", "-f", configPath).ConfigureAwait(false)).EnsureSuccess("sshd -t (config test)");

            var process = BackgroundProcess.Start(new ProcessSpec(sshd, ["-D", "-e", "-f", configPath]));
            var target = new SshdTarget(dir, process, address, port, hostKey.PublicKeyBlob, hostKey.Fingerprint, configPath);
            try
            {
                // sshd logs "Server listening on ADDR port N." right after listen(): waiting for that line instead of
                // probing the port keeps the target's log free of a probe connection.
                var listening = $"Server listening on {address} port {port}.";
                if (!await process.WaitForOutputAsync(log => log.Contains(listening, StringComparison.Ordinal), options.StartTimeout).ConfigureAwait(false))
                {
                    throw new TimeoutException(
                        $"sshd did not report listening on {LoopbackAddresses.Format(address, port)} within {options.StartTimeout.TotalSeconds} s" +
                        $" (exit code {process.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none, still running"}).\n" +
                        $"command: {process.CommandLine}\n--- sshd log ---\n{process.Output}");
                }
            }
            catch
            {
                await process.StopAsync(graceful: false).ConfigureAwait(false);
                throw;
            }

            return target;
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    private static string BuildConfig(TempDirectory dir, IPAddress address, int port, string hostKeyPath, SshdTargetOptions options)
    {
        var sb = new StringBuilder();
        sb.AppendLine("# generated by Bastion.Gateway.Tests SshdTarget");
        sb.AppendLine($"Port {port}");
        sb.AppendLine($"ListenAddress {address}");
        sb.AppendLine($"HostKey {hostKeyPath}");
        sb.AppendLine($"PidFile {dir.File("sshd.pid")}");
        sb.AppendLine($"AuthorizedKeysFile {dir.File("authorized_keys")}");
        foreach (var line in options.ExtraConfig)
        {
            sb.AppendLine(line); // first value wins in sshd_config, so extra lines come before the defaults
        }

        sb.AppendLine("PubkeyAuthentication yes");
        sb.AppendLine("PasswordAuthentication no");
        sb.AppendLine("KbdInteractiveAuthentication no");
        sb.AppendLine("UsePAM no");
        sb.AppendLine("StrictModes no");
        sb.AppendLine("PermitRootLogin prohibit-password");
        sb.AppendLine("AllowTcpForwarding yes");
        sb.AppendLine("AllowAgentForwarding no");
        sb.AppendLine("X11Forwarding no");
        sb.AppendLine("MaxStartups 2000:30:4000");
        sb.AppendLine($"MaxSessions {options.MaxSessions}");
        sb.AppendLine("PrintMotd no");
        sb.AppendLine("PrintLastLog no");
        sb.AppendLine("UseDNS no");
        sb.AppendLine($"LogLevel {options.LogLevel}");
        sb.AppendLine($"Subsystem sftp {Tools.SftpServer}");
        // Debian's bash reads root's ~/.bashrc for ssh commands; on these machines it runs "pyenv rehash", which waits
        // up to 60 s for a lock that any killed session leaves behind. Tests must not inherit that stall.
        sb.AppendLine("SetEnv PYENV_REHASH_TIMEOUT=1");
        return sb.ToString();
    }

    /// <summary>Kills sshd and all its children; <see cref="Log"/> stays readable. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(graceful: false).ConfigureAwait(false);
        _process.Dispose();
        _dir.Dispose();
    }

    /// <inheritdoc />
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}

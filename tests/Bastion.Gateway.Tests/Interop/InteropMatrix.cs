using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Bastion.Gateway.Tests.EndToEnd;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Interop;

/// <summary>
/// The interop classes share one pair of gateways and run one after another: each client's transfers move 20 MiB
/// or more through the gateway, and the machine is small and shared, so running them side by side would only make
/// timeouts likelier.
/// </summary>
[CollectionDefinition(Name)]
public sealed class InteropCollection : ICollectionFixture<InteropFixture>
{
    public const string Name = "Interop";
}

/// <summary>
/// Two deployments: <see cref="Plain"/> with the gateway's defaults, and <see cref="Rekeying"/> whose gateway starts a
/// key re-exchange after every MiB (a start-up setting, hence its own process). Each has a checksum server
/// registered as target <see cref="ShaTargetName"/>, for clients that cannot run an SSH session inside a channel.
/// </summary>
public sealed class InteropFixture : IAsyncLifetime
{
    /// <summary>Inventory name of the checksum server (see <see cref="ChecksumServer"/>).</summary>
    public const string ShaTargetName = "sha-1";

    private readonly List<ChecksumServer> _servers = [];

    public BastionTestbed Plain { get; private set; } = null!;

    public BastionTestbed Rekeying { get; private set; } = null!;

    /// <summary>The checksum server behind <paramref name="bed"/>.</summary>
    public ChecksumServer ShaServerOf(BastionTestbed bed) => _servers[ReferenceEquals(bed, Plain) ? 0 : 1];

    public async Task InitializeAsync()
    {
        Plain = await BastionTestbed.StartAsync();
        Rekeying = await BastionTestbed.StartAsync("--Bastion:Ssh:RekeyAfterBytes=1048576");
        foreach (var bed in new[] { Plain, Rekeying })
        {
            var server = ChecksumServer.Start(bed.Directory.SubDirectory("sha-server"));
            _servers.Add(server);
            await GatewayCli.AddTargetAsync(bed.DataDirectory, ShaTargetName, LoopbackAddresses.Format(server.Address, server.Port));
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var server in _servers)
        {
            server.Dispose();
        }

        if (Plain is not null)
        {
            await Plain.DisposeAsync();
        }

        if (Rekeying is not null)
        {
            await Rekeying.DisposeAsync();
        }
    }
}

/// <summary>
/// One test's gateway user (ed25519 key + TOTP, allowed everywhere) and what a client needs to reach the gateway and
/// the target with pinned host keys. Each test makes its own user and logs in once, so the TOTP code computed at
/// login time is never one the gateway has already spent.
/// </summary>
public sealed class InteropLogin
{
    private InteropLogin(BastionTestbed bed, string user, string secret, string directory)
    {
        Bed = bed;
        User = user;
        Secret = secret;
        Directory = directory;
    }

    public BastionTestbed Bed { get; }

    public string User { get; }

    /// <summary>Base32 TOTP secret; never print it.</summary>
    public string Secret { get; }

    /// <summary>Scratch directory of this test (keys in other formats, payloads, client homes).</summary>
    public string Directory { get; }

    /// <summary>The user's key, OpenSSH format (also authorized for root on the target).</summary>
    public SshKeyPair Key => Bed.KeyOf(User);

    public string GatewayAddress => Bed.Gateway.Address.ToString();

    public int GatewayPort => Bed.Gateway.Port;

    /// <summary>"ssh-ed25519 AAAA…" of the gateway, from <c>bastion hostkey show</c>.</summary>
    public string GatewayHostKey => Bed.GatewayHostKey;

    /// <summary>"ssh-ed25519 AAAA…" of the target sshd.</summary>
    public string TargetHostKey => Bed.Target.HostKeyLine;

    /// <summary>The code for the gateway's "Verification code: " prompt, as of now.</summary>
    public string Code() => TotpCode.Compute(Secret, DateTimeOffset.UtcNow);

    public static async Task<InteropLogin> CreateAsync(BastionTestbed bed, string client)
    {
        var user = $"{client}-{Guid.NewGuid().ToString("N")[..6]}";
        var secret = await bed.AddTotpUserAsync(user);
        return new InteropLogin(bed, user, secret, bed.Directory.SubDirectory("interop-" + user));
    }

    /// <summary>The library clients' command line (see tests/fixtures/interop/*): gateway, user, key, pinned host key.</summary>
    public List<string> LibraryClientArguments() =>
        ["--host", GatewayAddress, "--port", GatewayPort.ToString(CultureInfo.InvariantCulture), "--user", User,
            "--key", Key.PrivateKeyPath, "--host-key", GatewayHostKey];

    /// <summary>The library clients read the code from INTEROP_CODE (keeps it off the command line).</summary>
    public Dictionary<string, string?> CodeEnvironment() => new() { ["INTEROP_CODE"] = Code() };
}

/// <summary>
/// 10 MiB each way, checked by SHA-256: <see cref="Upload"/> is streamed into <see cref="RemoteCommand"/> on the
/// target (<c>sha256sum</c> prints its hash, then <c>cat</c> sends back <see cref="TargetFile"/>, a file generated
/// on the target side). The client writes everything it received to <see cref="Received"/>: one hash line, then
/// the downloaded bytes. <see cref="ChecksumServer"/> answers in the same shape.
/// </summary>
public sealed class InteropPayload
{
    public const long Size = 10L * 1024 * 1024;

    private InteropPayload(string upload, string uploadSha, string targetFile, string targetSha, string received)
    {
        Upload = upload;
        UploadSha256 = uploadSha;
        TargetFile = targetFile;
        TargetSha256 = targetSha;
        Received = received;
    }

    public string Upload { get; }

    public string UploadSha256 { get; }

    public string TargetFile { get; }

    public string TargetSha256 { get; }

    public string Received { get; }

    public string RemoteCommand => $"sha256sum && cat {TargetFile}";

    public static async Task<InteropPayload> CreateAsync(InteropLogin login)
    {
        var upload = Path.Combine(login.Directory, "upload.bin");
        var uploadSha = await EndToEndFiles.WriteRandomFileAsync(upload, Size);
        // The target sshd runs on this machine: a file in its own directory is "generated on the target side".
        var targetFile = Path.Combine(login.Bed.Target.Directory, $"download-{login.User}.bin");
        var targetSha = await EndToEndFiles.WriteRandomFileAsync(targetFile, Size);
        return new InteropPayload(upload, uploadSha, targetFile, targetSha, Path.Combine(login.Directory, "received.bin"));
    }

    /// <summary>Asserts the client succeeded and both hashes match; every message carries the client's own output.</summary>
    public void AssertIntact(ProcessResult client, string diagnostics)
    {
        Assert.True(client.Succeeded, $"the client failed\n{client.Describe()}{diagnostics}");
        var bytes = File.Exists(Received) ? File.ReadAllBytes(Received) : [];
        var newline = Array.IndexOf(bytes, (byte)'\n');
        var hashLine = newline < 0 ? "" : Encoding.ASCII.GetString(bytes, 0, newline);
        Assert.True(hashLine.StartsWith(UploadSha256 + " ", StringComparison.Ordinal),
            $"upload: the target hashed \"{Truncate(hashLine)}\", expected {UploadSha256} (received {bytes.Length} bytes)\n{client.Describe()}{diagnostics}");
        var download = newline < 0 ? [] : bytes.AsSpan(newline + 1);
        Assert.True(download.Length == Size && Convert.ToHexStringLower(SHA256.HashData(download)) == TargetSha256,
            $"download: received {download.Length} of {Size} bytes, SHA-256 {Convert.ToHexStringLower(SHA256.HashData(download))}, expected {TargetSha256}\n{client.Describe()}{diagnostics}");
    }

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";
}

/// <summary>Audit trail checks shared by the matrix: the login's MFA, and the rekeys of its connection.</summary>
public static class InteropAudit
{
    /// <summary>The user's auth.success: key then keyboard-interactive, MFA totp.</summary>
    public static async Task<AuditLine> AssertTotpLoginAsync(InteropLogin login, ProcessResult client)
    {
        var audit = await WaitAsync(login, "auth.success", client);
        var success = audit.Last(e => e.User == login.User && e.Type == "auth.success");
        Assert.True(success["methods"] == "publickey,keyboard-interactive" && success["mfa"] == "totp",
            $"auth.success of {login.User} is not key + TOTP: {success.Text}\n{client.Describe()}");
        return success;
    }

    /// <summary>
    /// After the connection closed: kex.completed events of that connection (matched by the source address and port
    /// of its auth.success, since key exchange precedes the user name) include at least <paramref name="atLeast"/>
    /// with rekey=true, all on the first exchange's cipher.
    /// </summary>
    public static async Task AssertRekeyedAsync(InteropLogin login, int atLeast, ProcessResult client)
    {
        var audit = await WaitAsync(login, "disconnect", client);
        var source = audit.Last(e => e.User == login.User && e.Type == "auth.success").Source;
        var kex = audit.Where(e => e.Source == source && e.Type == "kex.completed").ToList();
        var rekeys = kex.Count(e => e["rekey"] == "true");
        Assert.True(rekeys >= atLeast && kex.Count > 0 && kex.All(e => e["cipher"] == kex[0]["cipher"]),
            $"expected at least {atLeast} kex.completed with rekey=true from {source} ({login.User}), saw {rekeys}:\n" +
            string.Join('\n', kex.Select(e => e.Text)) + "\n" + client.Describe() + login.Bed.Logs());
    }

    private static async Task<IReadOnlyList<AuditLine>> WaitAsync(InteropLogin login, string type, ProcessResult client)
    {
        try
        {
            return await login.Bed.WaitForAuditAsync(l => l.Any(e => e.User == login.User && e.Type == type), $"{type} of {login.User}");
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"{e.Message}\n{client.Describe()}{login.Bed.Logs()}");
            throw;
        }
    }
}

/// <summary>
/// The interop clients that are compiled at test time (Go, C): built once per source content into
/// /tmp/bastion-interop-build/NAME-HASH/, so the three tests of a class (and later runs) build once. A build
/// goes to a fresh directory that is renamed into place, so concurrent test runs never see half a binary.
/// </summary>
public static class InteropBuild
{
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public static string FixturePath(params string[] parts) => Path.Combine([RepositoryRoot.Path, "tests", "fixtures", "interop", .. parts]);

    /// <summary>The Go client (golang.org/x/crypto/ssh from Debian's golang-golang-x-crypto-dev, GOPATH mode: no network).</summary>
    public static Task<string> GoClientAsync() => BuildAsync("go", FixturePath("go", "main.go"), async (source, output) =>
    {
        Tools.RequireFile(Tools.GoCryptoSsh);
        var work = Path.GetDirectoryName(output)!;
        File.Copy(source, Path.Combine(work, "main.go"));
        return await ProcessRunner.RunAsync(new ProcessSpec(Tools.Require(Tools.Go), ["build", "-o", output, "."])
        {
            WorkingDirectory = work,
            Environment = new Dictionary<string, string?>
            {
                ["GO111MODULE"] = "off", ["GOPATH"] = "/usr/share/gocode", ["GOFLAGS"] = null, ["GOPROXY"] = "off",
                ["GOCACHE"] = Path.Combine(Path.GetTempPath(), "bastion-interop-build", "gocache"),
            },
            Timeout = TimeSpan.FromMinutes(5),
        });
    });

    /// <summary>The libssh2 client (gcc against Debian's libssh2-1-dev).</summary>
    public static Task<string> Libssh2ClientAsync() => BuildAsync("libssh2", FixturePath("libssh2", "client.c"), (source, output) =>
    {
        Tools.RequireFile(Tools.Libssh2Header);
        return ProcessRunner.RunAsync(new ProcessSpec(Tools.Require(Tools.Gcc), ["-Wall", "-O2", "-o", output, source, "-lssh2"])
        {
            Timeout = TimeSpan.FromMinutes(2),
        });
    });

    private static async Task<string> BuildAsync(string name, string source, Func<string, string, Task<ProcessResult>> build)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(await File.ReadAllBytesAsync(source)))[..16];
        var root = Path.Combine(Path.GetTempPath(), "bastion-interop-build");
        var final = Path.Combine(root, $"{name}-{hash}");
        var binary = Path.Combine(final, "client");
        await Gate.WaitAsync();
        try
        {
            if (File.Exists(binary))
            {
                return binary;
            }

            var work = Path.Combine(root, $"{name}-{hash}.{Guid.NewGuid():N}");
            System.IO.Directory.CreateDirectory(work);
            var result = await build(source, Path.Combine(work, "client"));
            if (!result.Succeeded)
            {
                throw new InvalidOperationException($"building the {name} interop client from {source} failed:\n{result.Describe()}");
            }

            try
            {
                System.IO.Directory.Move(work, final);
            }
            catch (IOException) when (File.Exists(binary))
            {
                // another test run finished the same build first: use theirs
            }

            return binary;
        }
        finally
        {
            Gate.Release();
        }
    }
}

/// <summary>
/// A TCP server on a fresh loopback alias for clients that can open direct-tcpip but cannot run an SSH session
/// inside it: per connection it reads until the client's EOF, answers "SHA256HEX  -\n" of what it read (the shape
/// of <c>sha256sum</c>), then sends <see cref="DownloadFile"/> (set by the test first) and closes.
/// </summary>
public sealed class ChecksumServer : IDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();

    private ChecksumServer(TcpListener listener, string directory)
    {
        _listener = listener;
        DownloadFile = Path.Combine(directory, "download.bin");
    }

    public IPAddress Address => ((IPEndPoint)_listener.LocalEndpoint).Address;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>What each connection gets back after the hash line.</summary>
    public string DownloadFile { get; set; }

    public static ChecksumServer Start(string directory)
    {
        var address = LoopbackAddresses.Shared.Next();
        var listener = new TcpListener(address, 0);
        listener.Start();
        var server = new ChecksumServer(listener, directory);
        _ = server.AcceptAsync();
        return server;
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[65536];
                for (int n; (n = await stream.ReadAsync(buffer, _stop.Token)) > 0;)
                {
                    sha.AppendData(buffer, 0, n);
                }

                await stream.WriteAsync(Encoding.ASCII.GetBytes(Convert.ToHexStringLower(sha.GetHashAndReset()) + "  -\n"), _stop.Token);
                await using (var file = File.OpenRead(DownloadFile))
                {
                    await file.CopyToAsync(stream, _stop.Token);
                }

                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException)
            {
                // the client went away; the test reports what it saw
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        _stop.Dispose();
    }
}

using System.Globalization;
using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.Service;

/// <summary>
/// systemd/install.sh into an image root (<c>--root DIR</c>, the way distribution image builders install): the
/// service account, private directories, config in /etc/bastion, units enabled, and binaries that start with the
/// installed configuration. A second run upgrades without touching the operator's configuration.
/// </summary>
public sealed class InstallScriptTests
{
    /// <summary>Two ReadyToRun publishes; on a 2-core machine also running other suites one took over 5 minutes.</summary>
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(12);

    [Fact]
    public async Task Install_into_an_image_root_creates_account_directories_config_and_enabled_units_and_keeps_config_on_upgrade()
    {
        Assert.True(Environment.UserName == "root", "install.sh needs root (it chowns files to the service account); run the tests as root, as CI does");
        ProcessRunner.RequireTool("/usr/bin/systemd-sysusers", "systemd");
        using var dir = new TempDirectory("bastion-install");
        var root = dir.SubDirectory("image");
        var script = Path.Combine(RepositoryRoot.Path, "systemd", "install.sh");

        var install = await ProcessRunner.RunAsync(new ProcessSpec(script, ["--root", root]) { Timeout = InstallTimeout });
        install.EnsureSuccess("systemd/install.sh --root");

        var passwd = File.ReadAllLines(Path.Combine(root, "etc/passwd")).Single(l => l.StartsWith("bastion:", StringComparison.Ordinal)).Split(':');
        Assert.Equal("/var/lib/bastion", passwd[5]);
        Assert.Equal("/usr/sbin/nologin", passwd[6]);
        var gid = File.ReadAllLines(Path.Combine(root, "etc/group")).Single(l => l.StartsWith("bastion:", StringComparison.Ordinal)).Split(':')[2];

        var data = Path.Combine(root, "var/lib/bastion");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(data));
        var stat = await ProcessRunner.RunAsync("/usr/bin/stat", "-c", "%u:%g", data);
        Assert.Equal($"{passwd[2]}:{gid}", stat.StandardOutput.Trim());

        var config = Path.Combine(root, "etc/bastion/bastion.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(config));
        Assert.Equal($"0:{gid}", (await ProcessRunner.RunAsync("/usr/bin/stat", "-c", "%u:%g", config)).StandardOutput.Trim());

        foreach (var unit in new[] { "bastion-gateway.service", "bastion-admin.service" })
        {
            var installed = Path.Combine(root, "etc/systemd/system", unit);
            Assert.True(File.Exists(installed), unit + " not installed");
            Assert.True(File.Exists(Path.Combine(root, "etc/systemd/system/multi-user.target.wants", unit)), unit + " not enabled");
            var execStart = File.ReadAllLines(installed).Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal));
            var host = execStart["ExecStart=".Length..].Split(' ')[0];
            Assert.True(File.Exists(host), $"{unit} runs {host}, which does not exist");
        }
        Assert.True(File.Exists(Path.Combine(root, "opt/bastion/admin/bastion-admin.dll")));
        // Daily database copies: the timer is enabled, its service installed, and their directory private.
        Assert.True(File.Exists(Path.Combine(root, "etc/systemd/system/timers.target.wants/bastion-backup.timer")), "bastion-backup.timer not enabled");
        Assert.True(File.Exists(Path.Combine(root, "etc/systemd/system/bastion-backup.service")), "bastion-backup.service not installed");
        var backups = Path.Combine(root, "var/backups/bastion");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(backups));
        Assert.Equal($"{passwd[2]}:{gid}", (await ProcessRunner.RunAsync("/usr/bin/stat", "-c", "%u:%g", backups)).StandardOutput.Trim());

        // The installed gateway starts with the installed configuration (address, port and data moved to the test's).
        var gatewayDll = Path.Combine(root, "opt/bastion/gateway/bastion.dll");
        var port = LoopbackAddresses.FreePort(System.Net.IPAddress.Loopback);
        var testData = dir.SubDirectory("data");
        // It tells systemd it is ready on NOTIFY_SOCKET, as Type=notify expects.
        var socketPath = Path.Combine(dir.Path, "notify.sock");
        using var notify = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Dgram, System.Net.Sockets.ProtocolType.Unspecified);
        notify.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(socketPath));
        await using (var gateway = BackgroundProcess.Start(new ProcessSpec(GatewayBinary.DotnetHost,
            [gatewayDll, "--data", testData, "serve", "--listen", "127.0.0.1", "--port", port.ToString(CultureInfo.InvariantCulture)])
        {
            Environment = new Dictionary<string, string?> { ["BASTION_CONFIG"] = config, ["NOTIFY_SOCKET"] = socketPath },
        }))
        {
            await LoopbackAddresses.WaitUntilAcceptingAsync(System.Net.IPAddress.Loopback, port, TimeSpan.FromSeconds(60), gateway, "installed gateway");
            var key = await OpenSshClient.KeyScanAsync("127.0.0.1", port, "ed25519");
            Assert.StartsWith("ssh-ed25519 ", key, StringComparison.Ordinal);
            // The installed configuration ships audit events to journald (stdout), hash included.
            Assert.True(await gateway.WaitForOutputAsync(o => o.Contains("\"client_version\":\"SSH-2.0-OpenSSH-keyscan\"", StringComparison.Ordinal) && o.Contains("\"hash\":", StringComparison.Ordinal), TimeSpan.FromSeconds(15)),
                "no audit line on the installed gateway's stdout:\n" + gateway.Output);
            var buffer = new byte[4096];
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var ready = false;
            while (!ready)
            {
                var read = await notify.ReceiveAsync(buffer, System.Net.Sockets.SocketFlags.None, wait.Token);
                ready = System.Text.Encoding.ASCII.GetString(buffer, 0, read).Contains("READY=1", StringComparison.Ordinal);
            }
        }

        // The backup unit's command, as systemd would run it (%% is %), against the gateway's data: one copy, checked.
        var backupDir = dir.SubDirectory("backups");
        var backupExec = File.ReadAllLines(Path.Combine(root, "etc/systemd/system/bastion-backup.service")).Single(l => l.StartsWith("ExecStart=", StringComparison.Ordinal))["ExecStart=".Length..]
            .Replace("%%", "%", StringComparison.Ordinal).Replace("/opt/bastion/gateway/bastion.dll", gatewayDll, StringComparison.Ordinal)
            .Replace("/var/lib/bastion", testData, StringComparison.Ordinal).Replace("/var/backups/bastion", backupDir, StringComparison.Ordinal);
        var shell = backupExec.Split(' ', 3);
        Assert.Equal(["/bin/sh", "-c"], shell[..2]);
        var backupRun = await ProcessRunner.RunAsync(new ProcessSpec(shell[0], ["-c", shell[2].Trim('\'')]) { Environment = new Dictionary<string, string?> { ["BASTION_CONFIG"] = config } });
        Assert.True(backupRun.ExitCode == 0, backupRun.Describe());
        Assert.Matches(@"^bastion-\d{8}T\d{6}Z\.db$", Path.GetFileName(Assert.Single(Directory.GetFiles(backupDir))));

        // Upgrade: binaries and units are replaced, the operator's configuration is not.
        await File.AppendAllTextAsync(config, "\n");
        var edited = await File.ReadAllTextAsync(config);
        (await ProcessRunner.RunAsync(new ProcessSpec(script, ["--root", root]) { Timeout = InstallTimeout })).EnsureSuccess("second install.sh run");
        Assert.Equal(edited, await File.ReadAllTextAsync(config));
    }
}

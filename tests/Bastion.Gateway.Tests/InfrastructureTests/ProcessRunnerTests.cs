using Bastion.Gateway.Tests.Infrastructure;

namespace Bastion.Gateway.Tests.InfrastructureTests;

public class ProcessRunnerTests
{
    [Fact]
    public async Task Captures_stdout_stderr_exit_code_and_feeds_stdin()
    {
        var result = await ProcessRunner.RunAsync(new ProcessSpec(Tools.Sh, ["-c", "cat; echo err >&2; exit 3"])
        {
            StandardInput = "hello from stdin",
            Environment = new Dictionary<string, string?> { ["BASTION_X"] = "1" },
        });

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.TimedOut);
        Assert.Equal("hello from stdin", result.StandardOutput);
        Assert.Equal("err\n", result.StandardError);
    }

    [Fact]
    public async Task Runs_without_a_controlling_terminal_in_its_own_process_group()
    {
        // ssh only uses SSH_ASKPASS reliably without a tty; setsid gives the child its own session and group.
        var result = await ProcessRunner.RunAsync(Tools.Sh, "-c", "echo $$; ps -o pgid=,sid=,tty= -p $$");
        result.EnsureSuccess();
        var lines = result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var pid = lines[0].Trim();
        var fields = lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(pid, fields[0]);
        Assert.Equal(pid, fields[1]);
        Assert.Equal("?", fields[2]);
    }

    [Fact]
    public async Task Timeout_kills_the_whole_process_group()
    {
        using var dir = new TempDirectory();
        var pidFile = dir.File("child.pid");
        var result = await ProcessRunner.RunAsync(new ProcessSpec(Tools.Sh, ["-c", $"sleep 300 & echo $! > {pidFile}; sleep 300"])
        {
            Timeout = TimeSpan.FromSeconds(1),
        });

        Assert.True(result.TimedOut, result.Describe());
        Assert.Equal(-1, result.ExitCode);
        Assert.True(result.Elapsed < TimeSpan.FromSeconds(15), result.Describe());
        var child = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < 50 && NativeProcess.IsAlive(child); i++)
        {
            await Task.Delay(100);
        }

        Assert.False(NativeProcess.IsAlive(child), $"background child {child} survived the timeout kill");
    }

    [Fact]
    public void RequireTool_names_the_apt_package()
    {
        var e = Assert.Throws<InvalidOperationException>(() => ProcessRunner.RequireTool("/usr/bin/definitely-not-here", "some-package"));
        Assert.Contains("apt-get install -y some-package", e.Message, StringComparison.Ordinal);
        Assert.Contains("/usr/bin/definitely-not-here", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_tool_the_tests_need_is_installed()
    {
        foreach (var tool in new[] { Tools.Ssh, Tools.Scp, Tools.Sftp, Tools.SshKeygen, Tools.SshKeyscan, Tools.Sshd, Tools.SftpServer, Tools.Oathtool, Tools.Setsid, Tools.Python3 })
        {
            Tools.Require(tool);
        }
    }
}

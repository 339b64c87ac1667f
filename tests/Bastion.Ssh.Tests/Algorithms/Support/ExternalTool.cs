using System.ComponentModel;
using System.Diagnostics;

namespace Bastion.Ssh.Tests.Algorithms.Support;

/// <summary>
/// Runs ssh-keygen / openssl as independent implementations. A missing tool fails the test with a message
/// saying what to install: these cross-checks must never silently skip.
/// </summary>
internal static class ExternalTool
{
    public static string Run(string tool, params string[] arguments)
    {
        var (exitCode, stdout, stderr) = TryRun(tool, arguments);
        if (exitCode != 0)
        {
            Assert.Fail($"{tool} {string.Join(' ', arguments)} exited with {exitCode}: {stderr}{stdout}");
        }
        return stdout;
    }

    public static (int ExitCode, string Stdout, string Stderr) TryRun(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tool}");
        }
        catch (Win32Exception ex)
        {
            Assert.Fail($"this test needs '{tool}' on PATH (install openssh-client / openssl): {ex.Message}");
            throw;
        }
        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill();
                Assert.Fail($"{tool} did not finish within 60 s");
            }
            return (process.ExitCode, stdout.Result, stderr.Result);
        }
    }
}

using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Session;

/// <summary>
/// Runs a Python client script (Paramiko, or a raw client on python3-cryptography) with Debian's python3, bounded by
/// <c>timeout</c>; a missing interpreter or module fails the test saying what to install, and a non-zero exit fails it
/// with the client's own output.
/// </summary>
internal static class PythonClient
{
    private const string Python = "/usr/bin/python3";

    public static async Task<string> RunAsync(string script, TimeSpan timeout, params string[] arguments)
    {
        Assert.True(File.Exists(Python), $"{Python} is missing: install Debian's python3, python3-paramiko and python3-cryptography (./test.sh does)");
        string[] command = [((int)timeout.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture), Python, script, .. arguments];
        var (exitCode, stdout, stderr) = await Task.Run(() => ExternalTool.TryRun("timeout", command));
        Assert.False(stderr.Contains("No module named", StringComparison.Ordinal),
            $"a Python module is missing: install Debian's python3-paramiko and python3-cryptography (./test.sh does)\n{stderr}");
        Assert.True(exitCode == 0, $"{Path.GetFileName(script)} exited with {exitCode}:\n{stdout}\n{stderr}");
        return stdout;
    }
}

using System.ComponentModel;
using System.Diagnostics;

namespace Bastion.Core.Tests.Support;

/// <summary>
/// Runs the real ssh-keygen so key tests compare against OpenSSH itself. A missing ssh-keygen fails the test
/// with an install hint; it never silently skips.
/// </summary>
public static class SshKeygen
{
    /// <summary>Generates a key pair in <paramref name="directory"/> and returns the .pub line.</summary>
    public static string Generate(TempDirectory directory, string type, int? bits = null, string comment = "test@bastion")
    {
        var path = directory.File($"id_{type}_{bits}_{Guid.NewGuid():N}");
        var args = new List<string> { "-q", "-t", type, "-N", "", "-C", comment, "-f", path };
        if (bits is not null)
        {
            args.InsertRange(0, ["-b", bits.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        Run(args);
        return File.ReadAllText(path + ".pub").Trim();
    }

    /// <summary>The "SHA256:…" fingerprint that <c>ssh-keygen -l -E sha256</c> prints for a .pub line.</summary>
    public static string Fingerprint(TempDirectory directory, string publicKeyLine)
    {
        var path = directory.File($"fp_{Guid.NewGuid():N}.pub");
        File.WriteAllText(path, publicKeyLine + "\n");
        var output = Run(["-l", "-E", "sha256", "-f", path]);
        return output.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1];
    }

    private static string Run(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("ssh-keygen")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("ssh-keygen did not start");
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException(
                "ssh-keygen is required by this test but was not found on PATH; install OpenSSH (apt-get install openssh-client)", ex);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEnd();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0
                ? stdout
                : throw new InvalidOperationException($"ssh-keygen {string.Join(' ', start.ArgumentList)} failed ({process.ExitCode}): {stderr}");
        }
    }
}

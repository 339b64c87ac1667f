using System.Runtime.InteropServices;

namespace Bastion.Ssh.Resources;

/// <summary>Where a <see cref="DescriptorBudget"/> reads how many descriptors are open and how many may be.</summary>
public interface IDescriptorTable
{
    /// <summary>Descriptors open in the process now.</summary>
    long CountOpen();

    /// <summary>The soft limit on open descriptors (RLIMIT_NOFILE).</summary>
    long Limit();
}

/// <summary>This process's descriptor table on Linux: /proc/self/fd and getrlimit(RLIMIT_NOFILE).</summary>
public sealed partial class ProcessDescriptorTable : IDescriptorTable
{
    private const int RlimitNoFile = 7;
    private const string FdDirectory = "/proc/self/fd";

    /// <summary>Counted entries of /proc/self/fd (the enumeration's own descriptor included, one too many is harmless).</summary>
    public long CountOpen()
    {
        long count = 0;
        foreach (var _ in Directory.EnumerateFileSystemEntries(FdDirectory))
        {
            count++;
        }
        return count;
    }

    public long Limit() => Read().Soft;

    /// <summary>The soft and hard RLIMIT_NOFILE of this process.</summary>
    public static (long Soft, long Hard) Read()
    {
        if (getrlimit(RlimitNoFile, out var limit) != 0)
        {
            throw new IOException($"getrlimit(RLIMIT_NOFILE) failed: errno {Marshal.GetLastPInvokeError()}");
        }
        return (Clamp(limit.Current), Clamp(limit.Maximum));
    }

    /// <summary>
    /// Raises the soft limit to the hard one, as a service holding a socket per session should (the unit's LimitNOFILE
    /// sets the hard limit). Returns the limits in force afterwards.
    /// </summary>
    public static (long Soft, long Hard) RaiseSoftToHard()
    {
        if (getrlimit(RlimitNoFile, out var limit) == 0 && limit.Current < limit.Maximum)
        {
            var raised = new RLimit { Current = limit.Maximum, Maximum = limit.Maximum };
            _ = setrlimit(RlimitNoFile, in raised);
        }
        return Read();
    }

    // RLIM_INFINITY is all ones; nothing counts that high.
    private static long Clamp(ulong value) => value > long.MaxValue ? long.MaxValue : (long)value;

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrlimit(int resource, out RLimit limit);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int setrlimit(int resource, in RLimit limit);
}

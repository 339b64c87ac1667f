using System.Globalization;
using System.Runtime.InteropServices;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>Linux process helpers: signals to a process or process group, and the descendants of a process from /proc.</summary>
public static partial class NativeProcess
{
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGINT = 2;
    public const int SIGHUP = 1;
    public const int SIGSTOP = 19;
    public const int SIGCONT = 18;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SysKill(int pid, int sig);

    /// <summary>Sends <paramref name="signal"/> to one process. Returns false if it no longer exists.</summary>
    public static bool Signal(int pid, int signal) => pid > 1 && SysKill(pid, signal) == 0;

    /// <summary>Sends <paramref name="signal"/> to every process in process group <paramref name="pgid"/>.</summary>
    public static bool SignalGroup(int pgid, int signal) => pgid > 1 && SysKill(-pgid, signal) == 0;

    /// <summary>True if a process with this id exists (and is not a zombie).</summary>
    public static bool IsAlive(int pid)
    {
        var stat = ReadStat(pid);
        return stat is not null && stat.Value.State != 'Z';
    }

    /// <summary>All descendants (children, grandchildren, …) of <paramref name="pid"/>, from /proc/*/stat.</summary>
    public static IReadOnlyList<int> Descendants(int pid)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var p))
            {
                continue;
            }

            var stat = ReadStat(p);
            if (stat is null)
            {
                continue;
            }

            if (!children.TryGetValue(stat.Value.ParentId, out var list))
            {
                children[stat.Value.ParentId] = list = [];
            }

            list.Add(p);
        }

        var result = new List<int>();
        var queue = new Queue<int>();
        queue.Enqueue(pid);
        while (queue.Count > 0 && result.Count < 100_000)
        {
            if (children.TryGetValue(queue.Dequeue(), out var kids))
            {
                foreach (var k in kids)
                {
                    result.Add(k);
                    queue.Enqueue(k);
                }
            }
        }

        return result;
    }

    /// <summary>Sum of "Pss:" (kB) over /proc/PID/smaps_rollup for <paramref name="pid"/> and all its descendants.</summary>
    public static long TreePssKiB(int pid)
    {
        long total = 0;
        foreach (var p in Descendants(pid).Prepend(pid))
        {
            try
            {
                foreach (var line in File.ReadLines($"/proc/{p}/smaps_rollup"))
                {
                    if (line.StartsWith("Pss:", StringComparison.Ordinal))
                    {
                        total += long.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                        break;
                    }
                }
            }
            catch (IOException)
            {
                // process exited meanwhile
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return total;
    }

    private static (char State, int ParentId)? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var close = text.LastIndexOf(')');
            if (close < 0 || close + 4 >= text.Length)
            {
                return null;
            }

            var rest = text[(close + 2)..].Split(' ');
            return (rest[0][0], int.Parse(rest[1], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}

using System.Globalization;
using System.Net;
using Bastion.Gateway.Cli;
using Bastion.Ssh.Resources;

namespace Bastion.Gateway.Doctor;

/// <summary>
/// The running gateway's open-file limit and how close it is: a single process holds two descriptors per forwarded
/// session, so the limit is how many sessions a node can carry. The process is the one that listens on the SSH port
/// (found through /proc/net/tcp and the processes' descriptors; needs root or the service user), so the figures are
/// the live ones, not those of the shell doctor runs in.
/// </summary>
public static class OpenFilesCheck
{
    private const string Check = "open files";

    /// <summary>Below this a gateway carries fewer than about 1,800 sessions: worth saying.</summary>
    private const long SmallLimit = 4096;

    public static DoctorFinding Run(IPAddress address, int port)
    {
        if (FindListener(address, port) is not { } pid)
        {
            var (soft, hard) = ProcessDescriptorTable.Read();
            return DoctorFinding.Warn(Check, $"no running gateway found listening on {address}:{port} (or not allowed to look: run doctor as root); a gateway started from this shell would get limit {soft} (hard {hard})");
        }
        if (ReadLimit(pid) is not { } limit || CountOpen(pid) is not { } open)
        {
            return DoctorFinding.Warn(Check, $"gateway pid {pid}: cannot read /proc/{pid}/limits or /proc/{pid}/fd; run doctor as root");
        }
        var reserve = DescriptorBudget.ReserveFor(limit);
        var usable = Math.Max(1, limit - reserve);
        var room = Math.Max(0, (usable - open) / ServeCommand.DescriptorsPerSession);
        var percent = 100.0 * open / usable;
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"gateway pid {pid}: {open} open of limit {limit} ({percent:0.#}% of the {usable} usable before new connections are refused; {reserve} kept in reserve), room for about {room:N0} more forwarded sessions");
        if (open >= usable)
        {
            return DoctorFinding.Fail(Check, detail + "; new connections are being refused now: raise LimitNOFILE in bastion-gateway.service (systemctl edit), or lower Bastion:Limits per user");
        }
        if (percent >= 80)
        {
            return DoctorFinding.Warn(Check, detail + "; raise LimitNOFILE in bastion-gateway.service before it fills");
        }
        if (limit < SmallLimit)
        {
            return DoctorFinding.Warn(Check, detail + $"; a limit under {SmallLimit} is small for a bastion: LimitNOFILE=65536 in the unit");
        }
        return DoctorFinding.Ok(Check, detail);
    }

    /// <summary>The process holding a listening TCP socket on <paramref name="address"/> (or the wildcard) and <paramref name="port"/>, or null.</summary>
    internal static int? FindListener(IPAddress address, int port)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && fields[3] == "0A" && ParseLocal(fields[1]) is { } local && local.Port == port &&
                    (local.Address.Equals(address) || local.Address.Equals(IPAddress.Any) || local.Address.Equals(IPAddress.IPv6Any)))
                {
                    inodes.Add($"socket:[{fields[9]}]");
                }
            }
        }
        if (inodes.Count == 0)
        {
            return null;
        }
        foreach (var process in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(process), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }
            try
            {
                foreach (var fd in Directory.EnumerateFileSystemEntries(Path.Combine(process, "fd")))
                {
                    if (new FileInfo(fd).LinkTarget is { } target && inodes.Contains(target))
                    {
                        return pid;
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Another user's process, or one that just ended.
            }
        }
        return null;
    }

    /// <summary>"0100007F:08AE" → 127.0.0.1:2222: the address as the kernel's 32-bit words in host byte order, then the port.</summary>
    private static IPEndPoint? ParseLocal(string field)
    {
        var colon = field.LastIndexOf(':');
        if (colon is not (8 or 32) || !int.TryParse(field[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }
        var bytes = Convert.FromHexString(field[..colon]);
        if (BitConverter.IsLittleEndian)
        {
            for (var word = 0; word < bytes.Length; word += 4)
            {
                Array.Reverse(bytes, word, 4);
            }
        }
        return new IPEndPoint(new IPAddress(bytes), port);
    }

    private static long? ReadLimit(int pid)
    {
        try
        {
            // "Max open files            65536                65536                files"
            var line = File.ReadLines($"/proc/{pid}/limits").FirstOrDefault(l => l.StartsWith("Max open files", StringComparison.Ordinal));
            var soft = line?["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            return soft == "unlimited" ? long.MaxValue : long.TryParse(soft, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long? CountOpen(int pid)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").LongCount();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}

using System.Globalization;

namespace Bastion.Gateway.Doctor;

/// <summary>
/// Free space where the data directory lives. The SQLite database holds the audit trail and the recordings; when the
/// disk fills, audit events pile up unstored (then sessions wait for the queue) and TOTP logins, which must record
/// the code's step, are refused until space is freed.
/// </summary>
public static class DiskSpaceCheck
{
    private const long MiB = 1024 * 1024;

    public static DoctorFinding? Run(string directory)
    {
        if (!Directory.Exists(directory) || MountOf(directory) is not { } drive)
        {
            return null;
        }
        return Evaluate(directory, drive.Name, drive.AvailableFreeSpace, drive.TotalSize);
    }

    /// <summary>Fail under 100 MiB free, warn under 1 GiB or 10 % free.</summary>
    public static DoctorFinding Evaluate(string directory, string mountPoint, long available, long total)
    {
        const string check = "disk";
        var percent = total > 0 ? 100.0 * available / total : 0;
        var text = string.Create(CultureInfo.InvariantCulture, $"{Size(available)} free of {Size(total)} ({percent:0.#} %) on {mountPoint}, where {directory} is");
        if (available < 100 * MiB)
        {
            return DoctorFinding.Fail(check, $"{text}: soon audit events cannot be stored and TOTP logins are refused; free space now (old recordings: bastion recording prune --older-than-days N)");
        }
        if (available < 1024 * MiB || percent < 10)
        {
            return DoctorFinding.Warn(check, $"{text}: free space before the audit trail stops (old recordings: bastion recording prune --older-than-days N)");
        }
        return DoctorFinding.Ok(check, text);
    }

    /// <summary>The mount holding <paramref name="directory"/>: the longest mount point that is a prefix of its full path.</summary>
    private static DriveInfo? MountOf(string directory)
    {
        var full = Path.GetFullPath(directory).TrimEnd('/') + "/";
        return DriveInfo.GetDrives()
            .Where(d => d.IsReady && full.StartsWith(d.Name.TrimEnd('/') + "/", StringComparison.Ordinal))
            .MaxBy(d => d.Name.Length);
    }

    private static string Size(long bytes) => bytes >= 1024 * MiB
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * MiB):0.0} GiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)MiB:0} MiB");
}

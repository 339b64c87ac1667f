using System.Globalization;
using Bastion.Core.Store;

namespace Bastion.Admin.Recordings;

/// <summary>How recording figures read on the pages: durations as h:mm:ss, sizes in B/KiB/MiB/GiB.</summary>
public static class RecordingDisplay
{
    /// <summary>Empty while the recording is still being written (no end yet).</summary>
    public static string Duration(RecordingInfo recording)
    {
        if (recording.EndedAt is not { } ended)
        {
            return "";
        }
        var span = ended - recording.StartedAt;
        if (span < TimeSpan.Zero)
        {
            span = TimeSpan.Zero;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{(long)span.TotalHours}:{span.Minutes:00}:{span.Seconds:00}");
    }

    public static string Size(long bytes)
    {
        string[] units = ["KiB", "MiB", "GiB", "TiB"];
        if (bytes < 1024)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
        }
        double value = bytes;
        var unit = -1;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    public static string Command(RecordingInfo recording) => recording.Command ?? "shell";

    /// <summary>Truncated and lost recordings miss part of the session; they are shown as problems.</summary>
    public static bool IsIncomplete(RecordingInfo recording) =>
        recording.Status is RecordingStatus.Truncated or RecordingStatus.Lost;
}

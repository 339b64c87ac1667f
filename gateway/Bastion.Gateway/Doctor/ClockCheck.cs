using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Bastion.Gateway.Doctor;

/// <summary>
/// TOTP codes are accepted 30 s either side of the gateway's clock, so a drifting clock locks everyone out at
/// once. The kernel knows whether an NTP daemon keeps it in step (adjtimex, read-only: modes = 0).
/// </summary>
public static partial class ClockCheck
{
    private const int TimeError = 5; // TIME_ERROR: the clock is not synchronised
    private const int MaxErrorOffset = 24; // struct timex.maxerror (long, microseconds) on 64-bit Linux

    public static DoctorFinding Run()
    {
        const string check = "clock";
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            return DoctorFinding.Warn(check, $"{now}; cannot ask the kernel about NTP here; make sure NTP keeps this clock in step (TOTP allows 30 s)");
        }
        var timex = new byte[512]; // struct timex is 208 bytes; the rest is slack
        int state;
        unsafe
        {
            fixed (byte* buffer = timex)
            {
                state = Adjtimex(buffer);
            }
        }
        if (state < 0)
        {
            return DoctorFinding.Warn(check, $"{now}; adjtimex failed (errno {Marshal.GetLastPInvokeError()}); check NTP yourself: timedatectl");
        }
        if (state == TimeError)
        {
            return DoctorFinding.Warn(check, $"{now}; the kernel says the clock is not synchronised by NTP. TOTP codes fail for everyone once it drifts 30 s: enable systemd-timesyncd or chrony (timedatectl set-ntp true)");
        }
        var maxError = BinaryPrimitives.ReadInt64LittleEndian(timex.AsSpan(MaxErrorOffset));
        return DoctorFinding.Ok(check, $"{now}, synchronised by NTP (estimated error at most {maxError / 1000.0:0.#} ms)");
    }

    [LibraryImport("libc", EntryPoint = "adjtimex", SetLastError = true)]
    private static unsafe partial int Adjtimex(byte* buffer);
}

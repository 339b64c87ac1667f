using OtpNet;

namespace Bastion.Core.Mfa;

/// <summary>RFC 6238 arithmetic shared by enrollment and verification.</summary>
internal static class TotpCode
{
    public static long StepAt(DateTimeOffset time) => time.ToUnixTimeSeconds() / TotpOptions.StepSeconds;

    public static string Compute(ReadOnlySpan<byte> seed, long step)
    {
        var totp = new Totp(seed.ToArray(), TotpOptions.StepSeconds, OtpHashMode.Sha1, TotpOptions.Digits);
        return totp.ComputeTotp(DateTimeOffset.FromUnixTimeSeconds(step * TotpOptions.StepSeconds).UtcDateTime);
    }
}

using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.PublicKeys;

/// <summary>
/// Reads mpints that must be positive (RSA and ECDSA key and signature fields) as unsigned big-endian
/// magnitudes without leading zeros, rejecting what OpenSSH's sshbuf_get_bignum2 rejects: negative values
/// and a leading zero byte that is not needed for the sign.
/// </summary>
internal static class MpintMagnitude
{
    public static ReadOnlySpan<byte> ReadPositive(ref SshReader reader)
    {
        var raw = reader.ReadMpintSpan();
        if (raw.IsEmpty)
        {
            throw new SshProtocolException("mpint is zero where a positive value is required");
        }
        if ((raw[0] & 0x80) != 0)
        {
            throw new SshProtocolException("mpint is negative");
        }
        if (raw[0] == 0)
        {
            if (raw.Length == 1 || (raw[1] & 0x80) == 0)
            {
                throw new SshProtocolException("mpint has a superfluous leading zero byte");
            }
            raw = raw[1..];
        }
        return raw;
    }

    /// <summary>Number of significant bits in a magnitude without leading zeros.</summary>
    public static int BitLength(ReadOnlySpan<byte> magnitude) =>
        magnitude.IsEmpty ? 0 : ((magnitude.Length - 1) * 8) + (32 - System.Numerics.BitOperations.LeadingZeroCount((uint)magnitude[0]));
}

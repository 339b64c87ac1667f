using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;

namespace Bastion.Gateway.Tests.Infrastructure;

/// <summary>
/// RFC 6238 TOTP (HMAC-SHA1, 30 s steps, 6 digits by default), written independently of the gateway's Otp.NET so
/// tests check it against a second implementation (and a harness test checks this one against oathtool).
/// </summary>
public static class TotpCode
{
    /// <summary>The code for the step containing <paramref name="time"/>, shifted by <paramref name="stepOffset"/> steps.</summary>
    public static string Compute(string base32Secret, DateTimeOffset time, int stepOffset = 0, int digits = 6, int periodSeconds = 30) =>
        ComputeForStep(Base32Decode(base32Secret), TimeStep(time, periodSeconds) + stepOffset, digits);

    /// <summary>floor(unix seconds / period).</summary>
    public static long TimeStep(DateTimeOffset time, int periodSeconds = 30) =>
        (long)Math.Floor(time.ToUnixTimeSeconds() / (double)periodSeconds);

    /// <summary>RFC 4226 HOTP of counter <paramref name="step"/> with HMAC-SHA1.</summary>
    public static string ComputeForStep(byte[] key, long step, int digits = 6)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(digits, 6);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 9);
        Span<byte> counter = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(counter, step);
        Span<byte> mac = stackalloc byte[20];
        HMACSHA1.HashData(key, counter, mac);
        var offset = mac[19] & 0x0f;
        var binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16) | (mac[offset + 2] << 8) | mac[offset + 3];
        var code = binary % (int)Math.Pow(10, digits);
        return code.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0');
    }

    /// <summary>RFC 4648 base32 (case-insensitive; padding, spaces and dashes ignored).</summary>
    public static byte[] Base32Decode(string text)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var output = new List<byte>(text.Length * 5 / 8);
        int buffer = 0, bits = 0;
        foreach (var raw in text)
        {
            if (raw is '=' or ' ' or '-')
            {
                continue;
            }

            var value = alphabet.IndexOf(char.ToUpperInvariant(raw), StringComparison.Ordinal);
            if (value < 0)
            {
                throw new FormatException($"'{raw}' is not a base32 character");
            }

            buffer = (buffer << 5) | value;
            bits += 5;
            if (bits >= 8)
            {
                bits -= 8;
                output.Add((byte)(buffer >> bits));
                buffer &= (1 << bits) - 1;
            }
        }

        return [.. output];
    }
}

using System.Runtime.CompilerServices;

namespace Bastion.Core.Inventory;

/// <summary>
/// Canonical dotted-quad IPv4 text ("10.1.2.3": four numbers 0–255, no leading zeros) read without parsing into an
/// IPAddress: the inventory sees every address of every instance at each refresh, and EC2 writes them this way.
/// Anything else (IPv6, "010.1.2.3", "10.1") is not canonical IPv4 and goes the slow, general way.
/// </summary>
public static class Ipv4Text
{
    /// <summary>The address as a big-endian number when <paramref name="text"/> is canonical IPv4.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseCanonical(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        var parts = 0;
        var value = 0;
        var digits = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != '.')
            {
                var c = text[i];
                if (!char.IsAsciiDigit(c) || ++digits > 3 || (digits == 2 && value == 0))
                {
                    return false; // not a digit, too long, or a leading zero
                }
                value = (value * 10) + (c - '0');
                continue;
            }
            if (digits == 0 || value > 255 || ++parts > 4)
            {
                return false;
            }
            address = (address << 8) | (uint)value;
            value = 0;
            digits = 0;
        }
        return parts == 4;
    }
}

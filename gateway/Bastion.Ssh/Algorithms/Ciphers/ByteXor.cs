using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Bastion.Ssh.Algorithms.Ciphers;

/// <summary>XOR of a keystream into data, vectorised because it runs over every byte of every CTR packet.</summary>
internal static class ByteXor
{
    /// <summary>data[i] ^= keystream[i] for every i in data; <paramref name="keystream"/> must be at least as long.</summary>
    public static void XorInPlace(Span<byte> data, ReadOnlySpan<byte> keystream)
    {
        if (keystream.Length < data.Length)
        {
            throw new ArgumentException("keystream shorter than data", nameof(keystream));
        }
        ref var target = ref MemoryMarshal.GetReference(data);
        ref var source = ref MemoryMarshal.GetReference(keystream);
        var length = data.Length;
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var width = Vector<byte>.Count;
            for (; i <= length - width; i += width)
            {
                var x = Vector.LoadUnsafe(ref target, (nuint)i) ^ Vector.LoadUnsafe(ref source, (nuint)i);
                x.StoreUnsafe(ref target, (nuint)i);
            }
        }
        for (; i < length; i++)
        {
            Unsafe.Add(ref target, i) ^= Unsafe.Add(ref source, i);
        }
    }
}

using System.Buffers.Binary;

namespace Bastion.Ssh.Tests.Algorithms.Support;

/// <summary>Builds plaintext binary packets (uint32 length || body) with deterministic pseudo-random bodies.</summary>
internal static class TestPackets
{
    public static byte[] Make(int bodyLength, int seed)
    {
        var packet = new byte[4 + bodyLength];
        BinaryPrimitives.WriteUInt32BigEndian(packet, (uint)bodyLength);
        new Random(seed).NextBytes(packet.AsSpan(4));
        return packet;
    }

    public static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}

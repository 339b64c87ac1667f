using System.Buffers.Binary;
using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Tests.Algorithms.Support;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace Bastion.Ssh.Tests.Algorithms.Ciphers;

public class ChaCha20Poly1305Tests
{
    [Fact]
    public void Describes_itself_as_openssh_defines_it()
    {
        var cipher = ChaCha20Poly1305Cipher.Instance;
        Assert.Equal("chacha20-poly1305@openssh.com", cipher.Name);
        Assert.Equal(64, cipher.KeyLength);
        Assert.Equal(0, cipher.IvLength);
        Assert.True(cipher.IsAead);
        using var protection = cipher.Create(new byte[64], [], null, []);
        Assert.Equal(8, protection.BlockSize);
        Assert.Equal(16, protection.TagLength);
        Assert.False(protection.LengthIsAligned);
    }

    [Fact]
    public void Matches_an_independent_construction_over_a_packet_sequence()
    {
        var key = TestPackets.Bytes(64, 42);
        using var protection = ChaCha20Poly1305Cipher.Instance.Create(key, [], null, []);
        var sequenceNumbers = new uint[] { 0, 1, 2, 3, 1000, uint.MaxValue };
        var bodyLengths = new[] { 8, 16, 1024, 32768, 24, 40 };
        for (var i = 0; i < sequenceNumbers.Length; i++)
        {
            var plain = TestPackets.Make(bodyLengths[i], i);
            var (expectedPacket, expectedTag) = SealWithBouncyCastle(key, sequenceNumbers[i], plain);

            var packet = (byte[])plain.Clone();
            var tag = new byte[16];
            protection.Seal(sequenceNumbers[i], packet, tag);

            Assert.Equal(expectedPacket, packet);
            Assert.Equal(expectedTag, tag);
        }
    }

    [Fact]
    public void Reads_the_length_without_changing_the_received_bytes()
    {
        var key = TestPackets.Bytes(64, 1);
        using var sender = ChaCha20Poly1305Cipher.Instance.Create(key, [], null, []);
        using var receiver = ChaCha20Poly1305Cipher.Instance.Create(key, [], null, []);
        var packet = TestPackets.Make(24, 1);
        var tag = new byte[16];
        sender.Seal(9, packet, tag);
        var received = (byte[])packet.Clone();

        Assert.Equal(24u, receiver.ReadPacketLength(9, received.AsSpan(0, 4)));
        Assert.Equal(packet, received);
        Assert.True(receiver.Open(9, received, tag));
        Assert.Equal(24u, BinaryPrimitives.ReadUInt32BigEndian(received));
    }

    [Fact]
    public void Uses_the_second_key_half_for_the_length_and_the_first_for_the_payload()
    {
        var key = TestPackets.Bytes(64, 3);
        using var protection = ChaCha20Poly1305Cipher.Instance.Create(key, [], null, []);
        var packet = TestPackets.Make(16, 3);
        var plain = (byte[])packet.Clone();
        protection.Seal(0, packet, new byte[16]);

        var lengthKeystream = ChaChaKeystream(key.AsSpan(32, 32), 0, 4);
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(plain[i] ^ lengthKeystream[i], packet[i]);
        }
        var payloadKeystream = ChaChaKeystream(key.AsSpan(0, 32), 0, 64 + 16).AsSpan(64);
        for (var i = 0; i < 16; i++)
        {
            Assert.Equal(plain[4 + i] ^ payloadKeystream[i], packet[4 + i]);
        }
    }

    /// <summary>
    /// PROTOCOL.chacha20poly1305 built from BouncyCastle's ChaChaEngine (djb's 64-bit nonce variant) and raw Poly1305.
    /// </summary>
    private static (byte[] Packet, byte[] Tag) SealWithBouncyCastle(byte[] key, uint sequenceNumber, byte[] plain)
    {
        var nonce = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(nonce, sequenceNumber);
        var output = new byte[plain.Length];

        var lengthCipher = new ChaChaEngine(20);
        lengthCipher.Init(true, new ParametersWithIV(new KeyParameter(key, 32, 32), nonce));
        lengthCipher.ProcessBytes(plain, 0, 4, output, 0);

        var payloadCipher = new ChaChaEngine(20);
        payloadCipher.Init(true, new ParametersWithIV(new KeyParameter(key, 0, 32), nonce));
        var block0 = new byte[64];
        payloadCipher.ProcessBytes(new byte[64], 0, 64, block0, 0);
        payloadCipher.ProcessBytes(plain, 4, plain.Length - 4, output, 4);

        var poly = new Poly1305();
        poly.Init(new KeyParameter(block0, 0, 32));
        poly.BlockUpdate(output, 0, output.Length);
        var tag = new byte[16];
        poly.DoFinal(tag, 0);
        return (output, tag);
    }

    private static byte[] ChaChaKeystream(ReadOnlySpan<byte> key, ulong nonce, int length)
    {
        var nonceBytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(nonceBytes, nonce);
        var engine = new ChaChaEngine(20);
        engine.Init(true, new ParametersWithIV(new KeyParameter(key.ToArray()), nonceBytes));
        var stream = new byte[length];
        engine.ProcessBytes(new byte[length], 0, length, stream, 0);
        return stream;
    }
}

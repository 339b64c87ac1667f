using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Algorithms.Macs;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Algorithms.Ciphers;

/// <summary>Properties every keyed packet protection must have: round trips and tamper detection.</summary>
public class PacketProtectionContractTests
{
    public static TheoryData<string, string?> Modes() => new()
    {
        { "chacha20-poly1305@openssh.com", null },
        { "aes128-gcm@openssh.com", null },
        { "aes256-gcm@openssh.com", null },
        { "aes128-ctr", "hmac-sha2-256-etm@openssh.com" },
        { "aes256-ctr", "hmac-sha2-512-etm@openssh.com" },
        { "aes128-ctr", "hmac-sha2-512-etm@openssh.com" },
        { "aes128-ctr", "hmac-sha2-256" },
        { "aes256-ctr", "hmac-sha2-512" },
    };

    internal static (IPacketProtection Sender, IPacketProtection Receiver) CreatePair(string cipherName, string? macName)
    {
        var cipher = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindCipher(cipherName)!;
        MacAlgorithm? mac = macName is null ? null : Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindMac(macName)!;
        var key = TestPackets.Bytes(cipher.KeyLength, 1);
        var iv = TestPackets.Bytes(cipher.IvLength, 2);
        var macKey = mac is null ? [] : TestPackets.Bytes(mac.KeyLength, 3);
        return (cipher.Create(key, iv, mac, macKey), cipher.Create(key, iv, mac, macKey));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Sealed_packets_open_to_the_original_across_sizes_and_sequence_numbers(string cipherName, string? macName)
    {
        var (sender, receiver) = CreatePair(cipherName, macName);
        using var _ = sender;
        using var __ = receiver;
        uint sequence = 7;
        foreach (var blocks in new[] { 1, 2, 3, 5, 64, 1024, 2048 + 1, 3 })
        {
            var bodyLength = blocks * sender.BlockSize;
            var original = TestPackets.Make(bodyLength, blocks);
            var packet = (byte[])original.Clone();
            var tag = new byte[sender.TagLength];

            sender.Seal(sequence, packet, tag);
            Assert.False(packet.AsSpan(4).SequenceEqual(original.AsSpan(4)), "body was not encrypted");
            Assert.Equal((uint)bodyLength, receiver.ReadPacketLength(sequence, packet.AsSpan(0, 4)));
            Assert.True(receiver.Open(sequence, packet, tag));
            Assert.Equal(original, packet);
            sequence++;
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void Sealing_does_not_touch_the_input_beyond_the_packet(string cipherName, string? macName)
    {
        var (sender, receiver) = CreatePair(cipherName, macName);
        using var _ = sender;
        using var __ = receiver;
        var buffer = new byte[4 + 64 + 16];
        TestPackets.Make(64, 5).CopyTo(buffer, 0);
        sender.Seal(0, buffer.AsSpan(0, 68), new byte[sender.TagLength]);
        Assert.All(buffer[68..], b => Assert.Equal(0, b));
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_flipped_bit_anywhere_makes_open_fail(string cipherName, string? macName)
    {
        var original = TestPackets.Make(48, 9);
        var (sealer, unused) = CreatePair(cipherName, macName);
        using var _ = sealer;
        unused.Dispose();
        var sealedPacket = (byte[])original.Clone();
        var sealedTag = new byte[sealer.TagLength];
        sealer.Seal(11, sealedPacket, sealedTag);

        // Every byte position of length, body and tag, one bit each.
        var positions = Enumerable.Range(0, sealedPacket.Length + sealedTag.Length);
        foreach (var position in positions)
        {
            var (otherSender, receiver) = CreatePair(cipherName, macName);
            otherSender.Dispose();
            using (receiver)
            {
                var packet = (byte[])sealedPacket.Clone();
                var tag = (byte[])sealedTag.Clone();
                if (position < packet.Length)
                {
                    packet[position] ^= (byte)(1 << (position % 8));
                }
                else
                {
                    tag[position - packet.Length] ^= (byte)(1 << (position % 8));
                }
                Assert.False(receiver.Open(11, packet, tag), $"tampering at byte {position} went unnoticed");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Modes))]
    public void A_wrong_sequence_number_or_replayed_packet_fails(string cipherName, string? macName)
    {
        var (sender, receiver) = CreatePair(cipherName, macName);
        using var _ = sender;
        using var __ = receiver;
        var packet = TestPackets.Make(32, 3);
        var tag = new byte[sender.TagLength];
        sender.Seal(5, packet, tag);
        // GCM ignores the sequence number but its invocation counter has the same effect for a replay;
        // here the receiver first consumes another packet so its counter has moved on.
        var first = TestPackets.Make(32, 4);
        var firstTag = new byte[sender.TagLength];
        var (sender2, receiver2) = CreatePair(cipherName, macName);
        using var ___ = sender2;
        receiver2.Dispose();
        sender2.Seal(4, first, firstTag);
        // As the packet reader does: the length first, then the packet (encrypt-and-MAC decrypts the length there).
        receiver.ReadPacketLength(4, first.AsSpan(0, 4));
        Assert.True(receiver.Open(4, first, firstTag));
        receiver.ReadPacketLength(4, packet.AsSpan(0, 4));
        Assert.False(receiver.Open(4, packet, tag));
    }

    [Fact]
    public void No_protection_leaves_packets_in_the_clear()
    {
        var protection = NoProtection.Instance;
        var packet = TestPackets.Make(16, 1);
        var copy = (byte[])packet.Clone();
        protection.Seal(0, packet, []);
        Assert.Equal(copy, packet);
        Assert.Equal(16u, protection.ReadPacketLength(0, packet));
        Assert.True(protection.Open(0, packet, []));
        Assert.True(protection.LengthIsAligned);
        Assert.Equal(8, protection.BlockSize);
    }
}

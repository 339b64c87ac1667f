using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Algorithms.Macs;
using Bastion.Ssh.Tests.Algorithms.Support;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace Bastion.Ssh.Tests.Algorithms.Ciphers;

public class AesCtrEtmTests
{
    [Theory]
    [InlineData("aes128-ctr", 16, "hmac-sha2-256-etm@openssh.com")]
    [InlineData("aes256-ctr", 32, "hmac-sha2-512-etm@openssh.com")]
    [InlineData("aes256-ctr", 32, "hmac-sha2-256-etm@openssh.com")]
    public void Matches_bouncycastle_ctr_and_hmac_over_a_packet_sequence(string cipherName, int keyLength, string macName)
    {
        var cipher = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindCipher(cipherName)!;
        var mac = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindMac(macName)!;
        Assert.Equal(keyLength, cipher.KeyLength);
        var key = TestPackets.Bytes(keyLength, 20);
        // The counter starts 3 blocks before the 128-bit wrap: the carry must run through all 16 bytes.
        var iv = Convert.FromHexString("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD");
        var macKey = TestPackets.Bytes(mac.KeyLength, 21);
        using var protection = cipher.Create(key, iv, mac, macKey);

        var reference = new SicBlockCipher(new AesEngine());
        reference.Init(true, new ParametersWithIV(new KeyParameter(key), iv));
        var sequenceNumbers = new uint[] { 3, 4, 5, 6, 7 };
        var bodyLengths = new[] { 16, 32, 16 * 1024 + 48, 32 * 1024, 64 };
        for (var i = 0; i < sequenceNumbers.Length; i++)
        {
            var plain = TestPackets.Make(bodyLengths[i], i);
            var expectedPacket = (byte[])plain.Clone();
            for (var offset = 4; offset < expectedPacket.Length; offset += 16)
            {
                reference.ProcessBlock(expectedPacket, offset, expectedPacket, offset);
            }
            var expectedTag = HmacWithBouncyCastle(macName, macKey, sequenceNumbers[i], expectedPacket);

            var packet = (byte[])plain.Clone();
            var tag = new byte[mac.DigestLength];
            protection.Seal(sequenceNumbers[i], packet, tag);

            Assert.Equal(expectedPacket, packet);
            Assert.Equal(expectedTag, tag);
        }
    }

    [Fact]
    public void Describes_its_packet_format()
    {
        using var protection = AesCtrCipher.Aes128.Create(new byte[16], new byte[16], HmacSha2Mac.Sha256Etm, new byte[32]);
        Assert.Equal(16, protection.BlockSize);
        Assert.Equal(32, protection.TagLength);
        Assert.False(protection.LengthIsAligned);
        Assert.False(AesCtrCipher.Aes128.IsAead);
        Assert.Equal(16, AesCtrCipher.Aes128.IvLength);
    }

    [Fact]
    public void Leaves_the_length_in_the_clear()
    {
        using var protection = AesCtrCipher.Aes256.Create(new byte[32], new byte[16], HmacSha2Mac.Sha256Etm, new byte[32]);
        var packet = TestPackets.Make(32, 1);
        var length = packet[..4];
        protection.Seal(0, packet, new byte[32]);
        Assert.Equal(length, packet[..4]);
        Assert.Equal(32u, protection.ReadPacketLength(0, packet));
    }

    [Fact]
    public void Keystream_is_continuous_when_a_packet_is_not_block_aligned()
    {
        var key = TestPackets.Bytes(16, 5);
        var iv = TestPackets.Bytes(16, 6);
        using var split = new AesCtrKeystream(key, iv);
        using var whole = new AesCtrKeystream(key, iv);
        var data = TestPackets.Bytes(1000, 7);
        var expected = (byte[])data.Clone();
        whole.Transform(expected);
        var actual = (byte[])data.Clone();
        split.Transform(actual.AsSpan(0, 5));
        split.Transform(actual.AsSpan(5, 100));
        split.Transform(actual.AsSpan(105));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Refuses_a_mac_that_is_not_encrypt_then_mac()
    {
        Assert.Throws<ArgumentNullException>(() => AesCtrCipher.Aes128.Create(new byte[16], new byte[16], null, []));
    }

    private static byte[] HmacWithBouncyCastle(string macName, byte[] key, uint sequenceNumber, byte[] data)
    {
        IDigest digest = macName.Contains("512", StringComparison.Ordinal) ? new Sha512Digest() : new Sha256Digest();
        var hmac = new HMac(digest);
        hmac.Init(new KeyParameter(key));
        var sequence = new byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(sequence, sequenceNumber);
        hmac.BlockUpdate(sequence, 0, 4);
        hmac.BlockUpdate(data, 0, data.Length);
        var output = new byte[hmac.GetMacSize()];
        hmac.DoFinal(output, 0);
        return output;
    }
}

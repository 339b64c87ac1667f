using Bastion.Ssh.Algorithms.Macs;

namespace Bastion.Ssh.Tests.Algorithms.Macs;

public class HmacSha2EtmMacTests
{
    // RFC 4231 test cases 1 and 2. The MAC input is uint32 sequence || data, so the first four message bytes
    // are passed as the sequence number: "Hi There" = 0x48692054 || "here".
    [Theory]
    [InlineData("hmac-sha2-256-etm@openssh.com", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")]
    [InlineData("hmac-sha2-512-etm@openssh.com", "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There",
        "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854")]
    [InlineData("hmac-sha2-256-etm@openssh.com", "4a656665", "what do ya want for nothing?",
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")]
    [InlineData("hmac-sha2-512-etm@openssh.com", "4a656665", "what do ya want for nothing?",
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737")]
    public void Computes_rfc4231_known_answers(string name, string keyHex, string message, string expectedHex)
    {
        var algorithm = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindMac(name)!;
        // RFC 4231's keys are shorter than SSH's fixed key length; HMAC pads short keys with zeros,
        // so the zero-extended key gives the same result.
        var key = new byte[algorithm.KeyLength];
        Convert.FromHexString(keyHex).CopyTo(key, 0);
        var bytes = System.Text.Encoding.ASCII.GetBytes(message);
        var sequence = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
        using var mac = algorithm.Create(key);
        var digest = new byte[mac.DigestLength];
        mac.Compute(sequence, bytes.AsSpan(4), digest);
        Assert.Equal(expectedHex, Convert.ToHexString(digest).ToLowerInvariant());
        Assert.True(mac.Verify(sequence, bytes.AsSpan(4), digest));
        // Reuse must not carry state from the previous message.
        mac.Compute(sequence, bytes.AsSpan(4), digest);
        Assert.Equal(expectedHex, Convert.ToHexString(digest).ToLowerInvariant());
    }

    [Theory]
    [InlineData("hmac-sha2-256-etm@openssh.com", 32)]
    [InlineData("hmac-sha2-512-etm@openssh.com", 64)]
    public void Describes_itself(string name, int length)
    {
        var algorithm = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindMac(name)!;
        Assert.Equal(length, algorithm.KeyLength);
        Assert.Equal(length, algorithm.DigestLength);
        Assert.True(algorithm.EncryptThenMac);
    }

    [Fact]
    public void Verify_rejects_a_wrong_digest_sequence_or_length()
    {
        using var mac = HmacSha2Mac.Sha256Etm.Create(new byte[32]);
        var data = "payload"u8.ToArray();
        var digest = new byte[32];
        mac.Compute(1, data, digest);
        Assert.True(mac.Verify(1, data, digest));
        Assert.False(mac.Verify(2, data, digest));
        Assert.False(mac.Verify(1, data, digest.AsSpan(0, 31)));
        digest[31] ^= 1;
        Assert.False(mac.Verify(1, data, digest));
    }
}

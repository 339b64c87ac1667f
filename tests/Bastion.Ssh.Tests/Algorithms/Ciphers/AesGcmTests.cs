using System.Buffers.Binary;
using Bastion.Ssh.Algorithms.Ciphers;
using Bastion.Ssh.Tests.Algorithms.Support;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;

namespace Bastion.Ssh.Tests.Algorithms.Ciphers;

public class AesGcmTests
{
    [Theory]
    [InlineData("aes128-gcm@openssh.com", 16)]
    [InlineData("aes256-gcm@openssh.com", 32)]
    public void Describes_itself_as_rfc5647_defines_it(string name, int keyLength)
    {
        var cipher = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindCipher(name)!;
        Assert.IsType<AesGcmCipher>(cipher);
        Assert.Equal(keyLength, cipher.KeyLength);
        Assert.Equal(12, cipher.IvLength);
        Assert.True(cipher.IsAead);
        using var protection = cipher.Create(new byte[keyLength], new byte[12], null, []);
        Assert.Equal(16, protection.BlockSize);
        Assert.Equal(16, protection.TagLength);
        Assert.False(protection.LengthIsAligned);
    }

    [Theory]
    [InlineData("aes128-gcm@openssh.com", 16)]
    [InlineData("aes256-gcm@openssh.com", 32)]
    public void Matches_bouncycastle_gcm_with_an_incrementing_invocation_counter(string name, int keyLength)
    {
        var cipher = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindCipher(name)!;
        var key = TestPackets.Bytes(keyLength, 10);
        // The invocation counter starts just below a 32-bit boundary so the carry into the upper half is exercised.
        var iv = Convert.FromHexString("0102030400000000FFFFFFFE");
        using var protection = cipher.Create(key, iv, null, []);
        var bodyLengths = new[] { 16, 32, 4096, 48, 16 };
        for (var i = 0; i < bodyLengths.Length; i++)
        {
            var plain = TestPackets.Make(bodyLengths[i], i);
            var nonce = (byte[])iv.Clone();
            BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), 0xFFFFFFFEUL + (ulong)i);
            var expected = SealWithBouncyCastle(key, nonce, plain);

            var packet = (byte[])plain.Clone();
            var tag = new byte[16];
            // Sequence numbers are irrelevant to GCM; pass unrelated values to prove it.
            protection.Seal((uint)(100 - i), packet, tag);

            Assert.Equal(expected, packet.Concat(tag).ToArray());
        }
    }

    [Fact]
    public void The_invocation_counter_wraps_at_64_bits_leaving_the_fixed_field_alone()
    {
        var key = TestPackets.Bytes(16, 11);
        var iv = Convert.FromHexString("AABBCCDDFFFFFFFFFFFFFFFF");
        using var protection = AesGcmCipher.Aes128.Create(key, iv, null, []);
        protection.Seal(0, TestPackets.Make(16, 0), new byte[16]);

        var plain = TestPackets.Make(16, 1);
        var expected = SealWithBouncyCastle(key, Convert.FromHexString("AABBCCDD0000000000000000"), plain);
        var packet = (byte[])plain.Clone();
        var tag = new byte[16];
        protection.Seal(1, packet, tag);
        Assert.Equal(expected, packet.Concat(tag).ToArray());
    }

    [Fact]
    public void Known_answer_from_the_gcm_specification_test_case_4()
    {
        // McGrew & Viega, "The Galois/Counter Mode of Operation", test case 4 (AES-128, 60-byte plaintext,
        // 20-byte AAD). Checks the AesGcm primitive the protection is built on.
        var key = Convert.FromHexString("feffe9928665731c6d6a8f9467308308");
        var nonce = Convert.FromHexString("cafebabefacedbaddecaf888");
        var plain = Convert.FromHexString(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39");
        var aad = Convert.FromHexString("feedfacedeadbeeffeedfacedeadbeefabaddad2");
        using var gcm = new System.Security.Cryptography.AesGcm(key, 16);
        var cipherText = new byte[plain.Length];
        var tag = new byte[16];
        gcm.Encrypt(nonce, plain, cipherText, tag, aad);
        Assert.Equal(
            "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e" +
            "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
            Convert.ToHexString(cipherText).ToLowerInvariant());
        Assert.Equal("5bc94fbc3221a5db94fae95ae7121a47", Convert.ToHexString(tag).ToLowerInvariant());
    }

    private static byte[] SealWithBouncyCastle(byte[] key, byte[] nonce, byte[] plain)
    {
        var gcm = new GcmBlockCipher(new AesEngine());
        gcm.Init(true, new AeadParameters(new KeyParameter(key), 128, nonce, plain[..4]));
        var output = new byte[gcm.GetOutputSize(plain.Length - 4)];
        var written = gcm.ProcessBytes(plain, 4, plain.Length - 4, output, 0);
        gcm.DoFinal(output, written);
        return plain[..4].Concat(output).ToArray();
    }
}

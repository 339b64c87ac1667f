using System.Text;
using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Tests.Algorithms.Support;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Tests.Algorithms.PublicKeys;

/// <summary>Userauth verifiers against signatures made by OpenSSH itself.</summary>
public class SignatureVerificationTests
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("userauth request to be signed\n");

    [Theory]
    [InlineData("ed25519", null, "ssh-ed25519")]
    [InlineData("ecdsa", 256, "ecdsa-sha2-nistp256")]
    [InlineData("ecdsa", 384, "ecdsa-sha2-nistp384")]
    [InlineData("ecdsa", 521, "ecdsa-sha2-nistp521")]
    [InlineData("rsa", 2048, "rsa-sha2-512")]
    public void Verifies_ssh_keygen_signatures_and_rejects_a_different_message(string type, int? bits, string expectedAlgorithm)
    {
        using var directory = new TempDirectory();
        var key = OpenSshKeys.Generate(directory, type, bits);
        var signature = SshSig.Parse(OpenSshKeys.SignWithSshKeygen(directory, key, Message));
        Assert.Equal(OpenSshKeys.PublicKeyBlob(key + ".pub"), signature.PublicKeyBlob);
        Assert.Equal(expectedAlgorithm, SshSig.AlgorithmOf(signature.SignatureBlob));

        var algorithm = AlgorithmTable.Default.FindPublicKey(expectedAlgorithm)!;
        Assert.Equal(new SshPublicKey(signature.PublicKeyBlob).KeyType, algorithm.KeyType);
        var signedData = SshSig.SignedData(signature, Message);
        Assert.True(algorithm.Verify(signature.PublicKeyBlob, signedData, signature.SignatureBlob).Valid);

        var otherData = SshSig.SignedData(signature, Encoding.UTF8.GetBytes("a different request\n"));
        Assert.False(algorithm.Verify(signature.PublicKeyBlob, otherData, signature.SignatureBlob).Valid);
    }

    [Fact]
    public void Verifies_an_rsa_sha2_256_signature_made_by_openssl()
    {
        using var directory = new TempDirectory();
        var key = OpenSshKeys.Generate(directory, "rsa", 2048);
        var blob = OpenSshKeys.PublicKeyBlob(key + ".pub");
        // Rewrite the private key as PKCS#1 PEM so openssl can sign with it.
        ExternalTool.Run("ssh-keygen", "-p", "-q", "-P", "", "-N", "", "-m", "PEM", "-f", key);
        var messageFile = directory.File("message");
        File.WriteAllBytes(messageFile, Message);
        var signatureFile = directory.File("message.sig");
        ExternalTool.Run("openssl", "dgst", "-sha256", "-sign", key, "-out", signatureFile, messageFile);

        var signatureBlob = SignatureBlob("rsa-sha2-256", File.ReadAllBytes(signatureFile));
        Assert.True(RsaSha2PublicKeyAlgorithm.Sha256.Verify(blob, Message, signatureBlob).Valid);
        // The same bytes labelled as SHA-512, or as legacy SHA-1 ssh-rsa, must not pass.
        Assert.False(RsaSha2PublicKeyAlgorithm.Sha512.Verify(blob, Message, SignatureBlob("rsa-sha2-512", File.ReadAllBytes(signatureFile))).Valid);
        Assert.False(RsaSha2PublicKeyAlgorithm.Sha256.Verify(blob, Message, SignatureBlob("ssh-rsa", File.ReadAllBytes(signatureFile))).Valid);
        Assert.Null(AlgorithmTable.Default.FindPublicKey("ssh-rsa"));
    }

    [Fact]
    public void Rejects_rsa_keys_below_2048_bits()
    {
        using var directory = new TempDirectory();
        var key = OpenSshKeys.Generate(directory, "rsa", 1024);
        var signature = SshSig.Parse(OpenSshKeys.SignWithSshKeygen(directory, key, Message));
        var signedData = SshSig.SignedData(signature, Message);
        Assert.False(RsaSha2PublicKeyAlgorithm.Sha512.Verify(signature.PublicKeyBlob, signedData, signature.SignatureBlob).Valid);
    }

    [Fact]
    public void Verifies_the_rfc8032_ed25519_known_answers()
    {
        // RFC 8032 §7.1 tests 1 (empty message) and 2 (one byte 0x72).
        AssertEd25519(
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        AssertEd25519(
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");

        static void AssertEd25519(string publicKeyHex, string messageHex, string signatureHex)
        {
            var keyBlob = KeyBlob("ssh-ed25519", Convert.FromHexString(publicKeyHex));
            var signature = SignatureBlob("ssh-ed25519", Convert.FromHexString(signatureHex));
            var message = Convert.FromHexString(messageHex);
            Assert.True(Ed25519PublicKeyAlgorithm.Instance.Verify(keyBlob, message, signature).Valid);
            Assert.False(Ed25519PublicKeyAlgorithm.Instance.Verify(keyBlob, [.. message, 0], signature).Valid);
        }
    }

    [Theory]
    [InlineData("ed25519", null, "ssh-ed25519")]
    [InlineData("ecdsa", 256, "ecdsa-sha2-nistp256")]
    [InlineData("ecdsa", 521, "ecdsa-sha2-nistp521")]
    [InlineData("rsa", 2048, "rsa-sha2-512")]
    public void Malformed_keys_and_signatures_are_invalid_never_exceptions(string type, int? bits, string name)
    {
        using var directory = new TempDirectory();
        var key = OpenSshKeys.Generate(directory, type, bits);
        var signature = SshSig.Parse(OpenSshKeys.SignWithSshKeygen(directory, key, Message));
        var signedData = SshSig.SignedData(signature, Message);
        var algorithm = AlgorithmTable.Default.FindPublicKey(name)!;
        var keyBlob = signature.PublicKeyBlob;
        var signatureBlob = signature.SignatureBlob;
        Assert.True(algorithm.Verify(keyBlob, signedData, signatureBlob).Valid);

        // Every truncation, every single-byte corruption and trailing garbage, of key and signature.
        for (var length = 0; length < keyBlob.Length; length++)
        {
            Assert.False(algorithm.Verify(keyBlob.AsSpan(0, length), signedData, signatureBlob).Valid);
        }
        for (var length = 0; length < signatureBlob.Length; length++)
        {
            Assert.False(algorithm.Verify(keyBlob, signedData, signatureBlob.AsSpan(0, length)).Valid);
        }
        for (var i = 0; i < signatureBlob.Length; i++)
        {
            var corrupt = (byte[])signatureBlob.Clone();
            corrupt[i] ^= 0x41;
            Assert.False(algorithm.Verify(keyBlob, signedData, corrupt).Valid, $"signature byte {i} corrupted");
        }
        for (var i = 0; i < keyBlob.Length; i += 3)
        {
            var corrupt = (byte[])keyBlob.Clone();
            corrupt[i] ^= 0x41;
            // A flipped bit in an RSA exponent or modulus, or an EC coordinate, must not verify either.
            Assert.False(algorithm.Verify(corrupt, signedData, signatureBlob).Valid, $"key byte {i} corrupted");
        }
        Assert.False(algorithm.Verify([.. keyBlob, 0], signedData, signatureBlob).Valid);
        Assert.False(algorithm.Verify(keyBlob, signedData, [.. signatureBlob, 0]).Valid);
        Assert.False(algorithm.Verify(keyBlob, signedData, SignatureBlob(name, new byte[100_000])).Valid);
    }

    [Fact]
    public void Algorithm_and_key_type_names_must_match()
    {
        using var directory = new TempDirectory();
        var key = OpenSshKeys.Generate(directory, "ecdsa", 256);
        var signature = SshSig.Parse(OpenSshKeys.SignWithSshKeygen(directory, key, Message));
        var signedData = SshSig.SignedData(signature, Message);
        // A nistp256 key and signature offered to the nistp384 verifier.
        Assert.False(EcdsaPublicKeyAlgorithm.NistP384.Verify(signature.PublicKeyBlob, signedData, signature.SignatureBlob).Valid);
        Assert.False(Ed25519PublicKeyAlgorithm.Instance.Verify(signature.PublicKeyBlob, signedData, signature.SignatureBlob).Valid);
    }

    [Fact]
    public void Ecdsa_signatures_with_non_canonical_mpints_are_invalid()
    {
        using var directory = new TempDirectory();
        var key = OpenSshKeys.Generate(directory, "ecdsa", 256);
        var signature = SshSig.Parse(OpenSshKeys.SignWithSshKeygen(directory, key, Message));
        var signedData = SshSig.SignedData(signature, Message);
        var reader = new SshReader(signature.SignatureBlob);
        var name = reader.ReadString();
        var inner = new SshReader(reader.ReadStringSpan());
        var r = inner.ReadMpintSpan().ToArray();
        var s = inner.ReadMpintSpan().ToArray();

        // An extra leading zero on r is a different encoding of the same number: OpenSSH refuses it, so do we.
        Assert.False(EcdsaPublicKeyAlgorithm.NistP256.Verify(signature.PublicKeyBlob, signedData, EcdsaSignature(name, [0, 0, .. r], s)).Valid);
        Assert.True(EcdsaPublicKeyAlgorithm.NistP256.Verify(signature.PublicKeyBlob, signedData, EcdsaSignature(name, r, s)).Valid);
    }

    [Fact]
    public void Ecdsa_keys_off_the_curve_are_invalid()
    {
        // The verifier relies on the platform refusing such points at import (OpenSSL checks the key).
        var offCurve = new System.Security.Cryptography.ECParameters
        {
            Curve = System.Security.Cryptography.ECCurve.NamedCurves.nistP256,
            Q = new System.Security.Cryptography.ECPoint { X = new byte[32], Y = [.. new byte[31], 1] },
        };
        Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => System.Security.Cryptography.ECDsa.Create(offCurve));

        using var keyBlob = new SshWriter();
        keyBlob.WriteString("ecdsa-sha2-nistp256");
        keyBlob.WriteString("nistp256");
        keyBlob.WriteString([4, .. new byte[31], 0, .. new byte[31], 1]);
        var signature = EcdsaSignature("ecdsa-sha2-nistp256", [1], [1]);
        Assert.False(EcdsaPublicKeyAlgorithm.NistP256.Verify(keyBlob.ToArray(), Message, signature).Valid);
    }

    private static byte[] EcdsaSignature(string name, byte[] r, byte[] s)
    {
        using var inner = new SshWriter();
        inner.WriteString(r);
        inner.WriteString(s);
        return SignatureBlob(name, inner.ToArray());
    }

    private static byte[] KeyBlob(string type, byte[] key)
    {
        using var writer = new SshWriter();
        writer.WriteString(type);
        writer.WriteString(key);
        return writer.ToArray();
    }

    private static byte[] SignatureBlob(string name, byte[] signature)
    {
        using var writer = new SshWriter();
        writer.WriteString(name);
        writer.WriteString(signature);
        return writer.ToArray();
    }
}

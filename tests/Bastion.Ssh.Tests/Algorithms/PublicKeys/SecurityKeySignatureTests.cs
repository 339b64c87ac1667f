using System.Text;
using Bastion.Ssh.Algorithms;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Tests.Algorithms.Support;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Tests.Algorithms.PublicKeys;

/// <summary>
/// sk-ecdsa / sk-ed25519 verifiers against signatures OpenSSH 9.2's ssh-keygen made through the software FIDO
/// provider (tests/fixtures/sk-provider), including the flags and counter the authenticator reported.
/// </summary>
public class SecurityKeySignatureTests
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("userauth request to be signed\n");

    public static TheoryData<string, string> KeyTypes => new()
    {
        { SoftSecurityKey.EcdsaKeyType, "sk-ecdsa-sha2-nistp256@openssh.com" },
        { SoftSecurityKey.Ed25519KeyType, "sk-ssh-ed25519@openssh.com" },
    };

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void Verifies_ssh_keygen_signatures_and_reports_presence_and_a_growing_counter(string type, string name)
    {
        using var sk = new SoftSecurityKey();
        var key = sk.GenerateKey(type);
        var algorithm = AlgorithmTable.Default.FindPublicKey(name)!;
        Assert.NotNull(algorithm);

        var first = Sign(sk, key);
        Assert.Equal(OpenSshKeys.PublicKeyBlob(key + ".pub"), first.PublicKeyBlob);
        Assert.Equal(name, SshSig.AlgorithmOf(first.SignatureBlob));
        Assert.Equal(new SshPublicKey(first.PublicKeyBlob).KeyType, algorithm.KeyType);
        Assert.Equal("ssh:", SecurityKeyBlob.ReadApplication(first.PublicKeyBlob));

        Assert.Equal(new SignatureCheck(true, 0x01, 1), algorithm.Verify(first.PublicKeyBlob, SshSig.SignedData(first, Message), first.SignatureBlob));
        var second = Sign(sk, key);
        Assert.Equal(new SignatureCheck(true, 0x01, 2), algorithm.Verify(second.PublicKeyBlob, SshSig.SignedData(second, Message), second.SignatureBlob));

        var otherData = SshSig.SignedData(second, Encoding.UTF8.GetBytes("a different request\n"));
        Assert.Equal(SignatureCheck.Invalid, algorithm.Verify(second.PublicKeyBlob, otherData, second.SignatureBlob));
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void Reports_the_flags_and_counter_the_authenticator_signed(string type, string name)
    {
        using var sk = new SoftSecurityKey();
        var key = sk.GenerateKey(type);
        var algorithm = AlgorithmTable.Default.FindPublicKey(name)!;

        sk.UserVerified = true;
        Assert.Equal(new SignatureCheck(true, 0x05, 1), SignAndVerify(sk, key, algorithm));

        sk.UserVerified = false;
        sk.NoPresence = true;
        Assert.Equal(new SignatureCheck(true, 0x00, 2), SignAndVerify(sk, key, algorithm));

        // A rewound (or cloned) authenticator: the verifier reports the lower counter; policy decides.
        sk.NoPresence = false;
        sk.ForcedCounter = 1;
        Assert.Equal(new SignatureCheck(true, 0x01, 1), SignAndVerify(sk, key, algorithm));
        sk.ForcedCounter = 4_000_000_000;
        Assert.Equal(new SignatureCheck(true, 0x01, 4_000_000_000), SignAndVerify(sk, key, algorithm));
        sk.ForcedCounter = null;
        Assert.Equal(new SignatureCheck(true, 0x01, 4_000_000_001), SignAndVerify(sk, key, algorithm));
        Assert.Equal(4_000_000_001u, sk.StoredCounter);
    }

    [Theory]
    [MemberData(nameof(KeyTypes))]
    public void Malformed_keys_and_signatures_are_invalid_never_exceptions(string type, string name)
    {
        using var sk = new SoftSecurityKey();
        var signature = Sign(sk, sk.GenerateKey(type));
        var signedData = SshSig.SignedData(signature, Message);
        var algorithm = AlgorithmTable.Default.FindPublicKey(name)!;
        var keyBlob = signature.PublicKeyBlob;
        var signatureBlob = signature.SignatureBlob;
        Assert.True(algorithm.Verify(keyBlob, signedData, signatureBlob).Valid);

        for (var length = 0; length < keyBlob.Length; length++)
        {
            Assert.Equal(SignatureCheck.Invalid, algorithm.Verify(keyBlob.AsSpan(0, length), signedData, signatureBlob));
        }
        for (var length = 0; length < signatureBlob.Length; length++)
        {
            // Includes the signature without its counter, or without flags and counter.
            Assert.Equal(SignatureCheck.Invalid, algorithm.Verify(keyBlob, signedData, signatureBlob.AsSpan(0, length)));
        }
        for (var i = 0; i < signatureBlob.Length; i++)
        {
            var corrupt = (byte[])signatureBlob.Clone();
            corrupt[i] ^= 0x41;
            // Flags and counter too: the authenticator signed them.
            Assert.False(algorithm.Verify(keyBlob, signedData, corrupt).Valid, $"signature byte {i} corrupted");
        }
        for (var i = 0; i < keyBlob.Length; i++)
        {
            var corrupt = (byte[])keyBlob.Clone();
            corrupt[i] ^= 0x41;
            // Including the application: it is hashed into what the authenticator signed.
            Assert.False(algorithm.Verify(corrupt, signedData, signatureBlob).Valid, $"key byte {i} corrupted");
        }
        Assert.Equal(SignatureCheck.Invalid, algorithm.Verify([.. keyBlob, 0], signedData, signatureBlob));
        Assert.Equal(SignatureCheck.Invalid, algorithm.Verify(keyBlob, signedData, [.. signatureBlob, 0]));

        var parts = SkSignature.Parse(signatureBlob);
        Assert.True(algorithm.Verify(keyBlob, signedData, parts.Encode()).Valid);
        Assert.Equal(SignatureCheck.Invalid, algorithm.Verify(keyBlob, signedData, (parts with { Name = name.Replace("sk-", "", StringComparison.Ordinal) }).Encode()));
        Assert.Equal(SignatureCheck.Invalid, algorithm.Verify(keyBlob, signedData, (parts with { Name = "webauthn-sk-ecdsa-sha2-nistp256@openssh.com" }).Encode()));
        Assert.Equal(SignatureCheck.Invalid, algorithm.Verify(keyBlob, signedData, (parts with { Inner = new byte[100_000] }).Encode()));
        // The plain algorithm's form: no flags and counter at all.
        Assert.Equal(SignatureCheck.Invalid, algorithm.Verify(keyBlob, signedData, parts.Encode(withFlagsAndCounter: false)));
    }

    [Fact]
    public void Key_and_signature_types_must_match_the_algorithm()
    {
        using var sk = new SoftSecurityKey();
        var ecdsa = Sign(sk, sk.GenerateKey(SoftSecurityKey.EcdsaKeyType));
        var ed25519 = Sign(sk, sk.GenerateKey(SoftSecurityKey.Ed25519KeyType));
        var ecdsaData = SshSig.SignedData(ecdsa, Message);
        var ed25519Data = SshSig.SignedData(ed25519, Message);

        Assert.False(SecurityKeyPublicKeyAlgorithm.Ed25519.Verify(ecdsa.PublicKeyBlob, ecdsaData, ecdsa.SignatureBlob).Valid);
        Assert.False(SecurityKeyPublicKeyAlgorithm.EcdsaNistP256.Verify(ed25519.PublicKeyBlob, ed25519Data, ed25519.SignatureBlob).Valid);
        Assert.False(SecurityKeyPublicKeyAlgorithm.EcdsaNistP256.Verify(ecdsa.PublicKeyBlob, ecdsaData, ed25519.SignatureBlob).Valid);
        Assert.False(EcdsaPublicKeyAlgorithm.NistP256.Verify(ecdsa.PublicKeyBlob, ecdsaData, ecdsa.SignatureBlob).Valid);
        Assert.False(Ed25519PublicKeyAlgorithm.Instance.Verify(ed25519.PublicKeyBlob, ed25519Data, ed25519.SignatureBlob).Valid);
    }

    [Fact]
    public void Ecdsa_sk_keys_off_the_curve_or_on_another_curve_are_invalid()
    {
        using var sk = new SoftSecurityKey();
        var signature = Sign(sk, sk.GenerateKey(SoftSecurityKey.EcdsaKeyType));
        var signedData = SshSig.SignedData(signature, Message);
        var reader = new SshReader(signature.PublicKeyBlob);
        var type = reader.ReadString();
        var curve = reader.ReadString();
        var point = reader.ReadBinary();
        var application = reader.ReadBinary();
        Assert.Equal(SignatureCheck.Invalid, Verify(type, curve, point[..^1], application));
        Assert.Equal(SignatureCheck.Invalid, Verify(type, curve, [.. point, 0], application));
        Assert.Equal(SignatureCheck.Invalid, Verify(type, curve, [4, .. new byte[31], 0, .. new byte[31], 1], application));
        var offCurve = (byte[])point.Clone();
        offCurve[^1] ^= 1; // same x, y off by one: not a curve point
        Assert.Equal(SignatureCheck.Invalid, Verify(type, curve, offCurve, application));
        Assert.Equal(SignatureCheck.Invalid, Verify(type, "nistp384", point, application));
        Assert.True(Verify(type, curve, point, application).Valid);

        SignatureCheck Verify(string keyType, string curveId, byte[] q, byte[] app)
        {
            using var key = new SshWriter();
            key.WriteString(keyType);
            key.WriteString(curveId);
            key.WriteString(q);
            key.WriteString(app);
            return SecurityKeyPublicKeyAlgorithm.EcdsaNistP256.Verify(key.ToArray(), signedData, signature.SignatureBlob);
        }
    }

    [Fact]
    public void Ed25519_sk_keys_and_signatures_of_the_wrong_length_are_invalid()
    {
        using var sk = new SoftSecurityKey();
        var signature = Sign(sk, sk.GenerateKey(SoftSecurityKey.Ed25519KeyType));
        var signedData = SshSig.SignedData(signature, Message);
        var reader = new SshReader(signature.PublicKeyBlob);
        var type = reader.ReadString();
        var publicKey = reader.ReadBinary();
        var application = reader.ReadBinary();
        var parts = SkSignature.Parse(signature.SignatureBlob);
        Assert.Equal(64, parts.Inner.Length);

        Assert.True(Verify(publicKey, parts).Valid);
        Assert.Equal(SignatureCheck.Invalid, Verify(publicKey[..31], parts));
        Assert.Equal(SignatureCheck.Invalid, Verify([.. publicKey, 0], parts));
        Assert.Equal(SignatureCheck.Invalid, Verify(publicKey, parts with { Inner = parts.Inner[..63] }));
        Assert.Equal(SignatureCheck.Invalid, Verify(publicKey, parts with { Inner = [.. parts.Inner, 0] }));

        SignatureCheck Verify(byte[] pk, SkSignature sig)
        {
            using var key = new SshWriter();
            key.WriteString(type);
            key.WriteString(pk);
            key.WriteString(application);
            return SecurityKeyPublicKeyAlgorithm.Ed25519.Verify(key.ToArray(), signedData, sig.Encode());
        }
    }

    [Fact]
    public void The_application_is_read_from_sk_key_blobs_only()
    {
        using var directory = new TempDirectory();
        using var sk = new SoftSecurityKey();
        var ecdsa = OpenSshKeys.PublicKeyBlob(sk.GenerateKey(SoftSecurityKey.EcdsaKeyType) + ".pub");
        var ed25519 = OpenSshKeys.PublicKeyBlob(sk.GenerateKey(SoftSecurityKey.Ed25519KeyType) + ".pub");
        var plain = OpenSshKeys.PublicKeyBlob(OpenSshKeys.Generate(directory, "ed25519") + ".pub");

        Assert.Equal("ssh:", SecurityKeyBlob.ReadApplication(ecdsa));
        Assert.Equal("ssh:", SecurityKeyBlob.ReadApplication(ed25519));
        Assert.True(SecurityKeyBlob.IsSecurityKeyType(new SshPublicKey(ecdsa).KeyType));
        Assert.False(SecurityKeyBlob.IsSecurityKeyType(new SshPublicKey(plain).KeyType));
        Assert.False(SecurityKeyBlob.TryReadApplication(plain, out _));
        Assert.False(SecurityKeyBlob.TryReadApplication(ecdsa.AsSpan(0, ecdsa.Length - 1), out _));
        Assert.False(SecurityKeyBlob.TryReadApplication([.. ed25519, 0], out _));
        var error = Assert.Throws<FormatException>(() => SecurityKeyBlob.ReadApplication(plain));
        Assert.Contains("ed25519-sk", error.Message, StringComparison.Ordinal);
    }

    private static SshSig.Parsed Sign(SoftSecurityKey sk, string key) => SshSig.Parse(sk.SignWithSshKeygen(key, Message));

    private static SignatureCheck SignAndVerify(SoftSecurityKey sk, string key, PublicKeyAlgorithm algorithm)
    {
        var signature = Sign(sk, key);
        return algorithm.Verify(signature.PublicKeyBlob, SshSig.SignedData(signature, Message), signature.SignatureBlob);
    }
}

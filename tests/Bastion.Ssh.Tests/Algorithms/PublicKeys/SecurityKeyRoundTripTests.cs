using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Tests.Algorithms.Support;
using Bastion.Ssh.Wire;
using NSec.Cryptography;

namespace Bastion.Ssh.Tests.Algorithms.PublicKeys;

/// <summary>
/// An independent path to the verifiers: the test builds what a FIDO authenticator signs
/// (SHA256(application) || flags || counter || SHA256(data), per PROTOCOL.u2f) and signs it with .NET ECDsa and
/// NSec Ed25519, without the library's own composition code.
/// </summary>
public class SecurityKeyRoundTripTests
{
    private static readonly byte[] Data = Encoding.UTF8.GetBytes("session id || userauth request");

    [Theory]
    [InlineData("ssh:", (byte)0x05, 0xdeadbeefu)]
    [InlineData("ssh:bastion", (byte)0x00, 0u)]
    public void Ecdsa_p256_signature_over_authenticator_data_verifies(string application, byte flags, uint counter)
    {
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = ecdsa.ExportParameters(includePrivateParameters: false).Q;
        var keyBlob = Blob(w =>
        {
            w.WriteString("sk-ecdsa-sha2-nistp256@openssh.com");
            w.WriteString("nistp256");
            w.WriteString([0x04, .. q.X!, .. q.Y!]);
            w.WriteString(application);
        });
        var p1363 = ecdsa.SignData(AuthenticatorData(application, flags, counter, Data), HashAlgorithmName.SHA256);
        var inner = Blob(w =>
        {
            w.WriteMpintFromUnsigned(p1363.AsSpan(0, 32));
            w.WriteMpintFromUnsigned(p1363.AsSpan(32));
        });
        var signature = new SkSignature("sk-ecdsa-sha2-nistp256@openssh.com", inner, flags, counter);

        var algorithm = SecurityKeyPublicKeyAlgorithm.EcdsaNistP256;
        Assert.Equal(new SignatureCheck(true, flags, counter), algorithm.Verify(keyBlob, Data, signature.Encode()));
        Assert.Equal(application, SecurityKeyBlob.ReadApplication(keyBlob));
        AssertTamperingFails(algorithm, keyBlob, signature);
    }

    [Theory]
    [InlineData("ssh:", (byte)0x01, 7u)]
    [InlineData("ssh:bastion", (byte)0x04, uint.MaxValue)]
    public void Ed25519_signature_over_authenticator_data_verifies(string application, byte flags, uint counter)
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var keyBlob = Blob(w =>
        {
            w.WriteString("sk-ssh-ed25519@openssh.com");
            w.WriteString(key.Export(KeyBlobFormat.RawPublicKey));
            w.WriteString(application);
        });
        var raw = SignatureAlgorithm.Ed25519.Sign(key, AuthenticatorData(application, flags, counter, Data));
        var signature = new SkSignature("sk-ssh-ed25519@openssh.com", raw, flags, counter);

        var algorithm = SecurityKeyPublicKeyAlgorithm.Ed25519;
        Assert.Equal(new SignatureCheck(true, flags, counter), algorithm.Verify(keyBlob, Data, signature.Encode()));
        AssertTamperingFails(algorithm, keyBlob, signature);
    }

    private static void AssertTamperingFails(PublicKeyAlgorithm algorithm, byte[] keyBlob, SkSignature signature)
    {
        // Claiming a touch, a PIN or another counter than the authenticator signed must not verify.
        Assert.False(algorithm.Verify(keyBlob, Data, (signature with { Flags = (byte)(signature.Flags ^ 0x01) }).Encode()).Valid);
        Assert.False(algorithm.Verify(keyBlob, Data, (signature with { Flags = (byte)(signature.Flags ^ 0x04) }).Encode()).Valid);
        Assert.False(algorithm.Verify(keyBlob, Data, (signature with { Counter = signature.Counter + 1 }).Encode()).Valid);
        Assert.False(algorithm.Verify(keyBlob, [.. Data, 0], signature.Encode()).Valid);
    }

    private static byte[] AuthenticatorData(string application, byte flags, uint counter, byte[] data)
    {
        var result = new byte[69];
        SHA256.HashData(Encoding.UTF8.GetBytes(application)).CopyTo(result, 0);
        result[32] = flags;
        BinaryPrimitives.WriteUInt32BigEndian(result.AsSpan(33), counter);
        SHA256.HashData(data).CopyTo(result, 37);
        return result;
    }

    private static byte[] Blob(Action<SshWriter> write)
    {
        using var writer = new SshWriter();
        write(writer);
        return writer.ToArray();
    }
}

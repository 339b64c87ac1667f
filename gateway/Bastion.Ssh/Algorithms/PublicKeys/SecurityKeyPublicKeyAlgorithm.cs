using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.PublicKeys;

/// <summary>
/// FIDO security-key signatures (OpenSSH PROTOCOL.u2f): sk-ecdsa-sha2-nistp256@openssh.com and
/// sk-ssh-ed25519@openssh.com. Signature blob: string name || string inner || byte flags || uint32 counter,
/// where inner is exactly the plain algorithm's signature field (string (mpint r || mpint s), or the
/// 64-byte R||S), made over <see cref="SecurityKeySignedData"/> instead of the data itself.
/// Verification re-labels key and signature as the plain algorithm and delegates to its verifier, so curve,
/// point and length checks live in one place.
/// </summary>
/// <remarks>
/// The result reports the authenticator's flags (0x01 user present, 0x04 user verified) and counter but does
/// not judge them: whether a touch or PIN is required and whether the counter must grow is the host's policy.
/// webauthn-sk-ecdsa-sha2-nistp256@openssh.com (signatures made through a browser) is not supported.
/// </remarks>
public sealed class SecurityKeyPublicKeyAlgorithm : PublicKeyAlgorithm
{
    public static readonly SecurityKeyPublicKeyAlgorithm EcdsaNistP256 = new(SecurityKeyBlob.EcdsaNistP256KeyType, EcdsaPublicKeyAlgorithm.NistP256);

    public static readonly SecurityKeyPublicKeyAlgorithm Ed25519 = new(SecurityKeyBlob.Ed25519KeyType, Ed25519PublicKeyAlgorithm.Instance);

    private readonly PublicKeyAlgorithm _plain;

    private SecurityKeyPublicKeyAlgorithm(string name, PublicKeyAlgorithm plain)
    {
        Name = name;
        _plain = plain;
    }

    public override string Name { get; }

    public override string KeyType => Name;

    public override SignatureCheck Verify(ReadOnlySpan<byte> publicKeyBlob, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signatureBlob)
    {
        try
        {
            if (!SecurityKeyBlob.TrySplit(publicKeyBlob, out var keyType, out var keyFields, out var application) || keyType != KeyType)
            {
                return SignatureCheck.Invalid;
            }

            var signature = new SshReader(signatureBlob);
            if (signature.ReadString() != Name)
            {
                return SignatureCheck.Invalid;
            }
            var inner = signature.ReadStringSpan();
            var flags = signature.ReadByte();
            var counter = signature.ReadUInt32();
            signature.EnsureEnd();

            Span<byte> authenticatorSigned = stackalloc byte[SecurityKeySignedData.Length];
            SecurityKeySignedData.Compose(application, flags, counter, signedData, authenticatorSigned);

            using var plainKey = new SshWriter(keyFields.Length + 64);
            plainKey.WriteString(_plain.KeyType);
            plainKey.WriteBytes(keyFields);
            using var plainSignature = new SshWriter(inner.Length + 64);
            plainSignature.WriteString(_plain.Name);
            plainSignature.WriteString(inner);

            return _plain.Verify(plainKey.WrittenSpan, authenticatorSigned, plainSignature.WrittenSpan).Valid
                ? new SignatureCheck(true, flags, counter)
                : SignatureCheck.Invalid;
        }
        catch (SshProtocolException)
        {
            return SignatureCheck.Invalid;
        }
    }
}

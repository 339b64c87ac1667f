using Bastion.Ssh.Wire;
using NSec.Cryptography;

namespace Bastion.Ssh.Algorithms.PublicKeys;

/// <summary>
/// ssh-ed25519 (RFC 8709): key blob string "ssh-ed25519" || string A (32 bytes); signature blob
/// string "ssh-ed25519" || string R||S (64 bytes), a plain RFC 8032 Ed25519 signature over the data.
/// </summary>
public sealed class Ed25519PublicKeyAlgorithm : PublicKeyAlgorithm
{
    public static readonly Ed25519PublicKeyAlgorithm Instance = new();

    private const int PublicKeyBytes = 32;
    private const int SignatureBytes = 64;

    private Ed25519PublicKeyAlgorithm() { }

    public override string Name => "ssh-ed25519";

    public override string KeyType => "ssh-ed25519";

    public override SignatureCheck Verify(ReadOnlySpan<byte> publicKeyBlob, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signatureBlob)
    {
        try
        {
            var key = new SshReader(publicKeyBlob);
            if (key.ReadString() != KeyType)
            {
                return SignatureCheck.Invalid;
            }
            var rawKey = key.ReadStringSpan();
            key.EnsureEnd();

            var signature = new SshReader(signatureBlob);
            if (signature.ReadString() != Name)
            {
                return SignatureCheck.Invalid;
            }
            var rawSignature = signature.ReadStringSpan();
            signature.EnsureEnd();

            if (rawKey.Length != PublicKeyBytes || rawSignature.Length != SignatureBytes)
            {
                return SignatureCheck.Invalid;
            }
            if (!PublicKey.TryImport(SignatureAlgorithm.Ed25519, rawKey, KeyBlobFormat.RawPublicKey, out var publicKey) || publicKey is null)
            {
                return SignatureCheck.Invalid;
            }
            return SignatureAlgorithm.Ed25519.Verify(publicKey, signedData, rawSignature) ? SignatureCheck.Good : SignatureCheck.Invalid;
        }
        catch (SshProtocolException)
        {
            return SignatureCheck.Invalid;
        }
    }
}

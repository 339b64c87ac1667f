using System.Security.Cryptography;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.PublicKeys;

/// <summary>
/// rsa-sha2-256 and rsa-sha2-512 (RFC 8332) for "ssh-rsa" keys: key blob string "ssh-rsa" || mpint e ||
/// mpint n; signature blob string name || string s, RSASSA-PKCS1-v1_5. Legacy SHA-1 "ssh-rsa" signatures
/// are deliberately not offered.
/// </summary>
public sealed class RsaSha2PublicKeyAlgorithm : PublicKeyAlgorithm
{
    public static readonly RsaSha2PublicKeyAlgorithm Sha256 = new("rsa-sha2-256", HashAlgorithmName.SHA256);

    public static readonly RsaSha2PublicKeyAlgorithm Sha512 = new("rsa-sha2-512", HashAlgorithmName.SHA512);

    /// <summary>Smaller moduli are refused: below 2048 bits RSA is under 112-bit strength (NIST SP 800-57), stricter than OpenSSH's RequiredRSASize default of 1024.</summary>
    public const int MinimumModulusBits = 2048;

    /// <summary>OpenSSH's SSH_RSA_MAXIMUM_MODULUS_SIZE; bounds the cost an unauthenticated client can cause.</summary>
    public const int MaximumModulusBits = 16384;

    private readonly HashAlgorithmName _hash;

    private RsaSha2PublicKeyAlgorithm(string name, HashAlgorithmName hash)
    {
        Name = name;
        _hash = hash;
    }

    public override string Name { get; }

    public override string KeyType => "ssh-rsa";

    public override SignatureCheck Verify(ReadOnlySpan<byte> publicKeyBlob, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signatureBlob)
    {
        try
        {
            var key = new SshReader(publicKeyBlob);
            if (key.ReadString() != KeyType)
            {
                return SignatureCheck.Invalid;
            }
            var exponent = MpintMagnitude.ReadPositive(ref key);
            var modulus = MpintMagnitude.ReadPositive(ref key);
            key.EnsureEnd();
            var modulusBits = MpintMagnitude.BitLength(modulus);
            if (modulusBits < MinimumModulusBits || modulusBits > MaximumModulusBits)
            {
                return SignatureCheck.Invalid;
            }

            var signature = new SshReader(signatureBlob);
            if (signature.ReadString() != Name)
            {
                return SignatureCheck.Invalid;
            }
            var raw = signature.ReadStringSpan();
            signature.EnsureEnd();
            if (raw.Length > modulus.Length)
            {
                return SignatureCheck.Invalid;
            }

            // Like OpenSSH (ssh_rsa_verify), accept a signature shorter than the modulus by restoring the
            // leading zeros some signers drop; the PKCS#1 verifier wants exactly modulus-sized input.
            var padded = new byte[modulus.Length];
            raw.CopyTo(padded.AsSpan(modulus.Length - raw.Length));

            using var rsa = RSA.Create();
            rsa.ImportParameters(new RSAParameters { Exponent = exponent.ToArray(), Modulus = modulus.ToArray() });
            var valid = rsa.VerifyData(signedData, padded, _hash, RSASignaturePadding.Pkcs1);
            return valid ? SignatureCheck.Good : SignatureCheck.Invalid;
        }
        catch (SshProtocolException)
        {
            return SignatureCheck.Invalid;
        }
        catch (CryptographicException)
        {
            return SignatureCheck.Invalid;
        }
    }
}

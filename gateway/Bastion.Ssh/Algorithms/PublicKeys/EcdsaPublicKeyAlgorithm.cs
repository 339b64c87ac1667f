using System.Security.Cryptography;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.PublicKeys;

/// <summary>
/// ecdsa-sha2-nistp256/384/521 (RFC 5656 §3): key blob string name || string curve id || string Q (an
/// uncompressed SEC1 point); signature blob string name || string (mpint r || mpint s), over a hash chosen
/// by curve size (SHA-256, SHA-384, SHA-512).
/// </summary>
public sealed class EcdsaPublicKeyAlgorithm : PublicKeyAlgorithm
{
    public static readonly EcdsaPublicKeyAlgorithm NistP256 = new("nistp256", ECCurve.NamedCurves.nistP256, HashAlgorithmName.SHA256, 32);

    public static readonly EcdsaPublicKeyAlgorithm NistP384 = new("nistp384", ECCurve.NamedCurves.nistP384, HashAlgorithmName.SHA384, 48);

    public static readonly EcdsaPublicKeyAlgorithm NistP521 = new("nistp521", ECCurve.NamedCurves.nistP521, HashAlgorithmName.SHA512, 66);

    private const byte UncompressedPoint = 0x04;

    private readonly string _curveId;
    private readonly ECCurve _curve;
    private readonly HashAlgorithmName _hash;
    private readonly int _fieldBytes;

    private EcdsaPublicKeyAlgorithm(string curveId, ECCurve curve, HashAlgorithmName hash, int fieldBytes)
    {
        _curveId = curveId;
        _curve = curve;
        _hash = hash;
        _fieldBytes = fieldBytes;
        Name = "ecdsa-sha2-" + curveId;
    }

    public override string Name { get; }

    public override string KeyType => Name;

    public override SignatureCheck Verify(ReadOnlySpan<byte> publicKeyBlob, ReadOnlySpan<byte> signedData, ReadOnlySpan<byte> signatureBlob)
    {
        try
        {
            var key = new SshReader(publicKeyBlob);
            if (key.ReadString() != KeyType || key.ReadString() != _curveId)
            {
                return SignatureCheck.Invalid;
            }
            var point = key.ReadStringSpan();
            key.EnsureEnd();
            if (point.Length != 1 + (2 * _fieldBytes) || point[0] != UncompressedPoint)
            {
                return SignatureCheck.Invalid;
            }

            var signature = new SshReader(signatureBlob);
            if (signature.ReadString() != Name)
            {
                return SignatureCheck.Invalid;
            }
            var rs = new SshReader(signature.ReadStringSpan());
            signature.EnsureEnd();
            var r = MpintMagnitude.ReadPositive(ref rs);
            var s = MpintMagnitude.ReadPositive(ref rs);
            rs.EnsureEnd();
            if (r.Length > _fieldBytes || s.Length > _fieldBytes)
            {
                return SignatureCheck.Invalid;
            }

            // IEEE P1363 form: r and s right-aligned in fixed-width fields.
            Span<byte> fixedWidth = stackalloc byte[2 * _fieldBytes];
            fixedWidth.Clear();
            r.CopyTo(fixedWidth[(_fieldBytes - r.Length).._fieldBytes]);
            s.CopyTo(fixedWidth[(2 * _fieldBytes - s.Length)..]);

            var parameters = new ECParameters
            {
                Curve = _curve,
                Q = new ECPoint
                {
                    X = point.Slice(1, _fieldBytes).ToArray(),
                    Y = point.Slice(1 + _fieldBytes, _fieldBytes).ToArray(),
                },
            };
            // Import refuses a Q that is not on the curve (OpenSSL checks the key; see the tests).
            using var ecdsa = ECDsa.Create(parameters);
            var valid = ecdsa.VerifyData(signedData, fixedWidth, _hash, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
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

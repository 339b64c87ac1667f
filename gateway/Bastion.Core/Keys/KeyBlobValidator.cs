using System.Security.Cryptography;
using Bastion.Ssh.Wire;

namespace Bastion.Core.Keys;

/// <summary>
/// Checks that a public key blob is well formed for its type (RFC 4253 §6.6, RFC 5656, RFC 8709, OpenSSH
/// PROTOCOL.u2f): the right fields, no trailing bytes, sizes that make sense, ECDSA points on the curve.
/// Returns a problem description or null.
/// </summary>
internal static class KeyBlobValidator
{
    private const int MinRsaBits = 2048;
    private const int MaxRsaBits = 16384;

    public static string? Problem(string keyType, ReadOnlySpan<byte> blob)
    {
        try
        {
            var reader = new SshReader(blob);
            var embedded = reader.ReadString();
            if (!SupportedKeyTypes.IsKeyTypeName(embedded))
            {
                return "the key data names no key type, so it is not an OpenSSH public key; copy the whole line again from the .pub file";
            }
            if (embedded != keyType)
            {
                return $"the key data is a \"{embedded}\" key but the line says \"{keyType}\"; copy the line again from the .pub file";
            }
            var problem = keyType switch
            {
                SupportedKeyTypes.Ed25519 => Ed25519(ref reader, withApplication: false),
                SupportedKeyTypes.SecurityKeyEd25519 => Ed25519(ref reader, withApplication: true),
                SupportedKeyTypes.EcdsaP256 => Ecdsa(ref reader, "nistp256", ECCurve.NamedCurves.nistP256, 32, withApplication: false),
                SupportedKeyTypes.EcdsaP384 => Ecdsa(ref reader, "nistp384", ECCurve.NamedCurves.nistP384, 48, withApplication: false),
                SupportedKeyTypes.EcdsaP521 => Ecdsa(ref reader, "nistp521", ECCurve.NamedCurves.nistP521, 66, withApplication: false),
                SupportedKeyTypes.SecurityKeyEcdsa => Ecdsa(ref reader, "nistp256", ECCurve.NamedCurves.nistP256, 32, withApplication: true),
                SupportedKeyTypes.Rsa => Rsa(ref reader),
                _ => $"key type \"{keyType}\" is not accepted",
            };
            if (problem is null)
            {
                reader.EnsureEnd();
            }
            return problem;
        }
        catch (SshProtocolException ex)
        {
            return $"the key data is damaged ({ex.Message}); copy the line again from the .pub file";
        }
    }

    private static string? Ed25519(ref SshReader reader, bool withApplication)
    {
        if (reader.ReadStringSpan().Length != 32)
        {
            return "the Ed25519 public key is not 32 bytes long";
        }
        return withApplication ? Application(ref reader) : null;
    }

    private static string? Ecdsa(ref SshReader reader, string curveName, ECCurve curve, int coordinateLength, bool withApplication)
    {
        var embeddedCurve = reader.ReadString();
        if (embeddedCurve != curveName)
        {
            return $"the ECDSA key names curve \"{embeddedCurve}\" but its type needs \"{curveName}\"";
        }
        var point = reader.ReadStringSpan();
        if (point.Length != 1 + 2 * coordinateLength || point[0] != 0x04)
        {
            return $"the ECDSA public point is not an uncompressed {curveName} point";
        }
        try
        {
            // Importing validates that the point lies on the curve; a key off the curve could never verify.
            using var ecdsa = ECDsa.Create(new ECParameters
            {
                Curve = curve,
                Q = new ECPoint { X = point.Slice(1, coordinateLength).ToArray(), Y = point.Slice(1 + coordinateLength).ToArray() },
            });
        }
        catch (CryptographicException)
        {
            return $"the ECDSA public point is not on curve {curveName}";
        }
        return withApplication ? Application(ref reader) : null;
    }

    private static string? Rsa(ref SshReader reader)
    {
        var exponent = reader.ReadMpint();
        var modulus = reader.ReadMpint();
        if (exponent < 3 || exponent.IsEven || modulus.Sign <= 0 || modulus.IsEven)
        {
            return "the RSA key has an invalid exponent or modulus";
        }
        var bits = (int)modulus.GetBitLength();
        if (bits < MinRsaBits)
        {
            return $"RSA keys shorter than {MinRsaBits} bits are not accepted (this one has {bits}); generate a new key with ssh-keygen -t ed25519";
        }
        return bits > MaxRsaBits ? $"RSA keys longer than {MaxRsaBits} bits are not accepted (this one has {bits})" : null;
    }

    private static string? Application(ref SshReader reader)
    {
        var application = reader.ReadString();
        return application.StartsWith("ssh:", StringComparison.Ordinal)
            ? null
            : $"the security key's application \"{application}\" does not start with \"ssh:\"";
    }
}

using System.Security.Cryptography;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.HostKeys;

/// <summary>
/// An RSA host key ("ssh-rsa" blob) that signs with rsa-sha2-512 or rsa-sha2-256 (RFC 8332), never SHA-1.
/// </summary>
public sealed class RsaHostKey : HostKey
{
    internal const string TypeName = "ssh-rsa";

    /// <summary>Same floor as the userauth verifier: RSA under 2048 bits is below 112-bit strength.</summary>
    public const int MinimumModulusBits = 2048;

    private static readonly string[] Algorithms = ["rsa-sha2-512", "rsa-sha2-256"];

    private readonly RSA _rsa;

    /// <summary>Wraps a private RSA key; the host key takes ownership and disposes it.</summary>
    public RsaHostKey(RSA rsa)
    {
        ArgumentNullException.ThrowIfNull(rsa);
        if (rsa.KeySize < MinimumModulusBits)
        {
            throw new ArgumentException($"RSA host keys must have at least {MinimumModulusBits} bits, this one has {rsa.KeySize}", nameof(rsa));
        }
        _rsa = rsa;
        var parameters = rsa.ExportParameters(includePrivateParameters: false);
        using var writer = new SshWriter(600);
        writer.WriteString(TypeName);
        writer.WriteMpintFromUnsigned(parameters.Exponent);
        writer.WriteMpintFromUnsigned(parameters.Modulus);
        PublicKeyBlob = writer.ToArray();
    }

    /// <summary>Creates a new random key (3072 bits by default, as ssh-keygen does).</summary>
    public static RsaHostKey Generate(int bits = 3072) => new(RSA.Create(bits));

    public override string KeyType => TypeName;

    public override IReadOnlyList<string> SignatureAlgorithms => Algorithms;

    public override byte[] PublicKeyBlob { get; }

    /// <summary>The private key, for saving it.</summary>
    internal RSA Rsa => _rsa;

    public override byte[] Sign(string signatureAlgorithm, ReadOnlySpan<byte> data)
    {
        var hash = signatureAlgorithm switch
        {
            "rsa-sha2-512" => HashAlgorithmName.SHA512,
            "rsa-sha2-256" => HashAlgorithmName.SHA256,
            _ => throw new ArgumentException($"an RSA host key cannot sign with {signatureAlgorithm}", nameof(signatureAlgorithm)),
        };
        var signature = _rsa.SignData(data, hash, RSASignaturePadding.Pkcs1);
        using var writer = new SshWriter(signature.Length + 32);
        writer.WriteString(signatureAlgorithm);
        writer.WriteString(signature);
        return writer.ToArray();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rsa.Dispose();
        }
    }
}

using System.Security.Cryptography;
using System.Text;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Tests.Algorithms.Support;

/// <summary>
/// Reads signatures made by <c>ssh-keygen -Y sign</c> (OpenSSH PROTOCOL.sshsig) and rebuilds the data the
/// inner SSH signature covers, so userauth verifiers can be tested against real OpenSSH signatures.
/// </summary>
internal static class SshSig
{
    public sealed record Parsed(byte[] PublicKeyBlob, string Namespace, string HashAlgorithm, byte[] SignatureBlob);

    public static Parsed Parse(string armored)
    {
        var base64 = string.Concat(armored.Split('\n').Where(line => !line.StartsWith("-----", StringComparison.Ordinal)).Select(line => line.Trim()));
        var blob = Convert.FromBase64String(base64);
        var reader = new SshReader(blob);
        Assert.Equal("SSHSIG"u8.ToArray(), reader.ReadBytes(6).ToArray());
        Assert.Equal(1u, reader.ReadUInt32());
        var publicKey = reader.ReadBinary();
        var ns = reader.ReadString();
        reader.ReadStringSpan(); // reserved
        var hash = reader.ReadString();
        var signature = reader.ReadBinary();
        reader.EnsureEnd();
        return new Parsed(publicKey, ns, hash, signature);
    }

    /// <summary>"SSHSIG" || string namespace || string reserved || string hash_alg || string H(message).</summary>
    public static byte[] SignedData(Parsed signature, byte[] message)
    {
        var digest = signature.HashAlgorithm switch
        {
            "sha512" => SHA512.HashData(message),
            "sha256" => SHA256.HashData(message),
            _ => throw new InvalidOperationException($"unexpected SSHSIG hash {signature.HashAlgorithm}"),
        };
        using var writer = new SshWriter();
        writer.WriteBytes(Encoding.ASCII.GetBytes("SSHSIG"));
        writer.WriteString(signature.Namespace);
        writer.WriteString(ReadOnlySpan<byte>.Empty);
        writer.WriteString(signature.HashAlgorithm);
        writer.WriteString(digest);
        return writer.ToArray();
    }

    /// <summary>The algorithm name at the start of an SSH signature blob.</summary>
    public static string AlgorithmOf(byte[] signatureBlob) => new SshReader(signatureBlob).ReadString();
}

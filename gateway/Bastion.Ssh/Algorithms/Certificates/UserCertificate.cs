using System.Security.Cryptography;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Wire;

namespace Bastion.Ssh.Algorithms.Certificates;

/// <summary>
/// An OpenSSH user certificate for an Ed25519 key ("ssh-ed25519-cert-v01@openssh.com", PROTOCOL.certkeys), signed by
/// a certificate authority key. sshd accepts it for the accounts in <see cref="Principals"/> when the CA is in its
/// TrustedUserCAKeys, between <see cref="ValidAfter"/> and <see cref="ValidBefore"/>, and logs <see cref="KeyId"/>.
/// </summary>
public sealed record UserCertificate(
    byte[] PublicKey,
    ulong Serial,
    string KeyId,
    IReadOnlyList<string> Principals,
    DateTimeOffset ValidAfter,
    DateTimeOffset ValidBefore,
    IReadOnlyList<string> Extensions)
{
    public const string CertificateType = "ssh-ed25519-cert-v01@openssh.com";

    private const uint UserCertificateKind = 1;

    /// <summary>Extensions sshd knows; an interactive recorded session needs a pty and nothing else.</summary>
    public static IReadOnlyList<string> PtyOnly { get; } = ["permit-pty"];

    /// <summary>The raw 32-byte key of an Ed25519 <paramref name="key"/> (its public blob is string "ssh-ed25519", string key).</summary>
    public static byte[] Ed25519PublicKeyOf(HostKey key)
    {
        var reader = new SshReader(key.PublicKeyBlob);
        var type = reader.ReadString();
        if (type != Ed25519HostKey.TypeName)
        {
            throw new ArgumentException($"certificates are issued for Ed25519 keys only, not {type}", nameof(key));
        }
        return reader.ReadStringSpan().ToArray();
    }

    /// <summary>The certificate blob signed by <paramref name="authority"/> (its own signature algorithm).</summary>
    public byte[] Sign(HostKey authority)
    {
        if (PublicKey.Length != Ed25519HostKey.PublicKeyBytes)
        {
            throw new ArgumentException($"an Ed25519 public key is {Ed25519HostKey.PublicKeyBytes} bytes, not {PublicKey.Length}");
        }
        if (Principals.Count == 0)
        {
            // sshd would accept a certificate without principals for any account: never issue one.
            throw new ArgumentException("a user certificate needs at least one principal");
        }
        using var body = new SshWriter(512);
        body.WriteString(CertificateType);
        body.WriteString(RandomNumberGenerator.GetBytes(32));
        body.WriteString(PublicKey);
        body.WriteUInt64(Serial);
        body.WriteUInt32(UserCertificateKind);
        body.WriteString(KeyId);
        using (var principals = new SshWriter())
        {
            foreach (var principal in Principals)
            {
                principals.WriteString(principal);
            }
            body.WriteString(principals.WrittenSpan);
        }
        body.WriteUInt64(UnixSeconds(ValidAfter));
        body.WriteUInt64(UnixSeconds(ValidBefore));
        body.WriteString([]); // no critical options
        using (var extensions = new SshWriter())
        {
            // Sorted by name and each with empty data, as PROTOCOL.certkeys requires.
            foreach (var name in Extensions.Order(StringComparer.Ordinal))
            {
                extensions.WriteString(name);
                extensions.WriteString([]);
            }
            body.WriteString(extensions.WrittenSpan);
        }
        body.WriteString([]); // reserved
        body.WriteString(authority.PublicKeyBlob);
        var signatureAlgorithm = authority.SignatureAlgorithms[0];
        body.WriteString(authority.Sign(signatureAlgorithm, body.WrittenSpan));
        return body.ToArray();
    }

    /// <summary>The line an OpenSSH "-cert.pub" file holds.</summary>
    public string FormatLine(HostKey authority, string comment = "") =>
        $"{CertificateType} {Convert.ToBase64String(Sign(authority))}{(comment.Length == 0 ? "" : " " + comment)}";

    private static ulong UnixSeconds(DateTimeOffset time) => (ulong)Math.Max(0, time.ToUnixTimeSeconds());
}

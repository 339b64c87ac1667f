using System.Text;
using Bastion.Gateway.Hosting;
using Bastion.Ssh.Algorithms.Certificates;
using Bastion.Ssh.Algorithms.HostKeys;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Bastion.Gateway.Relay;

/// <summary>
/// What the gateway logs in to a target with in recorded mode: its one client key, or (TargetAuthentication=certificate)
/// a fresh key with a two-minute OpenSSH user certificate for exactly the one target account, whose key id names the
/// Bastion user and session so the target's own sshd log ties the login to the audit trail.
/// </summary>
public sealed class TargetCredential : IDisposable
{
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);

    private readonly MemoryStream? _keyText;
    private readonly MemoryStream? _certificateText;

    private TargetCredential(PrivateKeyFile key, string method, string? keyId, ulong? serial, MemoryStream? keyText = null, MemoryStream? certificateText = null)
    {
        Key = key;
        Method = method;
        CertificateKeyId = keyId;
        CertificateSerial = serial;
        _keyText = keyText;
        _certificateText = certificateText;
    }

    public PrivateKeyFile Key { get; }

    /// <summary>"key" or "certificate", for the audit trail and for messages.</summary>
    public string Method { get; }

    public string? CertificateKeyId { get; }

    public ulong? CertificateSerial { get; }

    public static TargetCredential Create(BastionContext context, string bastionUser, string sessionId, string targetUser)
    {
        var options = context.Options.Recording;
        var path = options.UsesCertificates ? context.Paths.TargetCaKey : context.Paths.TargetClientKey;
        try
        {
            return options.UsesCertificates
                ? IssueCertificate(context, path, bastionUser, sessionId, targetUser)
                : new TargetCredential(LoadClientKey(path), RecordingOptions.AuthenticateWithKey, null, null);
        }
        catch (Exception ex) when (ex is HostKeyFileException or SshException or IOException or UnauthorizedAccessException)
        {
            throw new TargetLoginException(options.UsesCertificates ? "ca key unusable" : "client key unusable",
                $"the gateway's {(options.UsesCertificates ? "certificate authority key" : "key")} for recorded sessions ({path}) cannot be used: {ex.Message}. " +
                "An administrator fixes or removes the file (a new one is made on first use; targets must then trust it)", ex);
        }
    }

    /// <summary>What an administrator does so that <paramref name="targetName"/> accepts this kind of login.</summary>
    public string HowToTrust(string targetName, string targetUser) => Method == RecordingOptions.AuthenticateWithKey
        ? $"an admin adds the line printed by \"bastion recording client-key\" to ~{targetUser}/.ssh/authorized_keys on {targetName}"
        : $"its sshd needs \"TrustedUserCAKeys\" with the line printed by \"bastion recording ca-key\" (and {targetUser} among the principals if it uses AuthorizedPrincipalsFile)";

    private static PrivateKeyFile LoadClientKey(string path)
    {
        // Created on first use like the host key; its public half is what targets trust.
        HostKeyFile.LoadOrCreate(path).Dispose();
        return new PrivateKeyFile(path);
    }

    private static TargetCredential IssueCertificate(BastionContext context, string caPath, string bastionUser, string sessionId, string targetUser)
    {
        using var authority = HostKeyFile.LoadOrCreate(caPath);
        using var sessionKey = Ed25519HostKey.Generate();
        var now = context.Time.GetUtcNow();
        var serial = BitConverter.ToUInt64(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8));
        var keyId = $"bastion:{bastionUser}:{sessionId}";
        var certificate = new UserCertificate(UserCertificate.Ed25519PublicKeyOf(sessionKey), serial, keyId, [targetUser],
            now - ClockSkew, now + Lifetime, UserCertificate.PtyOnly);
        var keyText = new MemoryStream(Encoding.UTF8.GetBytes(HostKeyFile.Format(sessionKey)));
        var certificateText = new MemoryStream(Encoding.UTF8.GetBytes(certificate.FormatLine(authority, keyId)));
        return new TargetCredential(new PrivateKeyFile(keyText, null, certificateText), RecordingOptions.AuthenticateWithCertificate,
            keyId, serial, keyText, certificateText);
    }

    public void Dispose()
    {
        Key.Dispose();
        _keyText?.Dispose();
        _certificateText?.Dispose();
    }
}

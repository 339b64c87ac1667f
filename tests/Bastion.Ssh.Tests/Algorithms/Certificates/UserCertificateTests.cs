using Bastion.Ssh.Algorithms.Certificates;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Tests.Algorithms.Support;

namespace Bastion.Ssh.Tests.Algorithms.Certificates;

/// <summary>Certificates read back by OpenSSH's own ssh-keygen -L: every field as issued, signed by the CA it names.</summary>
public sealed class UserCertificateTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public void Ssh_keygen_reads_back_every_field_of_an_issued_certificate()
    {
        using var authority = Ed25519HostKey.Generate();
        using var subject = Ed25519HostKey.Generate();
        var after = new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var certificate = new UserCertificate(UserCertificate.Ed25519PublicKeyOf(subject), 1234567890123UL, "bastion:alice:abc123", ["root"],
            after, after.AddMinutes(3), UserCertificate.PtyOnly);
        var path = Path.Combine(_dir.Path, "id-cert.pub");
        File.WriteAllText(path, certificate.FormatLine(authority) + "\n");

        var listing = ExternalTool.Run("ssh-keygen", "-L", "-f", path);

        Assert.Contains("Type: ssh-ed25519-cert-v01@openssh.com user certificate", listing);
        Assert.Contains($"Public key: ED25519-CERT {subject.Fingerprint}", listing);
        Assert.Contains($"Signing CA: ED25519 {authority.Fingerprint} (using ssh-ed25519)", listing);
        Assert.Contains("Key ID: \"bastion:alice:abc123\"", listing);
        Assert.Contains("Serial: 1234567890123", listing);
        // ssh-keygen prints local time: compare the span, which does not depend on the machine's time zone.
        var valid = System.Text.RegularExpressions.Regex.Match(listing, @"Valid: from (\S+) to (\S+)");
        Assert.True(valid.Success, listing);
        Assert.Equal(TimeSpan.FromMinutes(3), DateTime.Parse(valid.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture) - DateTime.Parse(valid.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        var lines = listing.Split('\n').Select(l => l.Trim()).ToList();
        Assert.Equal("root", lines[lines.IndexOf("Principals:") + 1]);
        Assert.Equal("permit-pty", lines[lines.IndexOf("Extensions:") + 1]);
        Assert.Contains("Critical Options: (none)", listing);
    }

    [Fact]
    public void A_certificate_without_principals_is_never_issued()
    {
        using var authority = Ed25519HostKey.Generate();
        using var subject = Ed25519HostKey.Generate();
        var certificate = new UserCertificate(UserCertificate.Ed25519PublicKeyOf(subject), 1, "id", [], DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue, []);

        Assert.Throws<ArgumentException>(() => certificate.Sign(authority));
    }

    public void Dispose() => _dir.Dispose();
}

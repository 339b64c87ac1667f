using System.Security.Cryptography;
using Bastion.Core.Keys;
using Bastion.Core.Tests.Support;
using Bastion.Ssh.Wire;

namespace Bastion.Core.Tests.Keys;

public sealed class AuthorizedKeyLineTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData("ed25519", null, "ssh-ed25519")]
    [InlineData("ecdsa", 256, "ecdsa-sha2-nistp256")]
    [InlineData("ecdsa", 384, "ecdsa-sha2-nistp384")]
    [InlineData("ecdsa", 521, "ecdsa-sha2-nistp521")]
    [InlineData("rsa", 3072, "ssh-rsa")]
    public void Real_keys_parse_round_trip_and_match_ssh_keygen_fingerprints(string type, int? bits, string expectedType)
    {
        var pub = SshKeygen.Generate(_directory, type, bits, comment: "alice@laptop");

        var line = AuthorizedKeyLine.Parse(pub);

        Assert.Equal(expectedType, line.KeyType);
        Assert.Equal("alice@laptop", line.Comment);
        Assert.Empty(line.Options);
        Assert.Equal(pub, line.ToString());
        Assert.Equal(SshKeygen.Fingerprint(_directory, pub), line.Fingerprint);
    }

    [Theory]
    [InlineData("sk-ssh-ed25519@openssh.com")]
    [InlineData("sk-ecdsa-sha2-nistp256@openssh.com")]
    public void Security_key_types_parse_and_match_ssh_keygen_fingerprints(string type)
    {
        // ssh-keygen needs a FIDO device to make these, so build the public blob ourselves (PROTOCOL.u2f).
        var pub = $"{type} {Convert.ToBase64String(SecurityKeyBlob(type))} alice@yubikey";

        var line = AuthorizedKeyLine.Parse(pub);

        Assert.Equal(type, line.KeyType);
        Assert.True(SupportedKeyTypes.IsSecurityKey(line.KeyType));
        Assert.Equal(pub, line.ToString());
        Assert.Equal(SshKeygen.Fingerprint(_directory, pub), line.Fingerprint);
    }

    [Fact]
    public void Options_with_quotes_and_commas_round_trip()
    {
        var key = SshKeygen.Generate(_directory, "ed25519", comment: "deploy key");
        var text = $"command=\"echo \\\"hi, there\\\"\",no-pty,from=\"10.0.0.0/8,192.168.1.1\",environment=\"A=b c\" {key}";

        var line = AuthorizedKeyLine.Parse(text);

        Assert.Equal(
            [new AuthorizedKeyOption("command", "echo \"hi, there\""), new AuthorizedKeyOption("no-pty", null),
             new AuthorizedKeyOption("from", "10.0.0.0/8,192.168.1.1"), new AuthorizedKeyOption("environment", "A=b c")],
            line.Options);
        Assert.Equal("deploy key", line.Comment);
        Assert.Equal(text, line.ToString());
        Assert.Equal(text, AuthorizedKeyLine.Parse(line.ToString()).ToString());
        Assert.Equal(text, AuthorizedKeyLine.FromParts(line.OptionsText, line.Key.Blob, line.Comment).ToString());
    }

    [Fact]
    public void Lines_without_comment_and_with_extra_spaces_parse()
    {
        var parts = SshKeygen.Generate(_directory, "ed25519").Split(' ');
        var line = AuthorizedKeyLine.Parse($"  {parts[0]}\t {parts[1]}   ");
        Assert.Equal("", line.Comment);
        Assert.Equal($"{parts[0]} {parts[1]}", line.ToString());
    }

    [Fact]
    public void Dsa_keys_are_refused_with_line_number_and_advice()
    {
        var good = SshKeygen.Generate(_directory, "ed25519");
        var text = $"# my keys\n{good}\nssh-dss AAAAB3NzaC1kc3MAAACBAP1/U4EddRIpUt9KnC7s5Of2EbdSPO9EAMMeP4C2USZpRV1AIlH7WT2NWPq/xfW6MPbLm1Vs14E7 old@box\n";

        var error = Assert.Throws<AuthorizedKeyFormatException>(() => AuthorizedKeysFile.Parse(text));

        Assert.Equal(3, error.LineNumber);
        Assert.StartsWith("line 3: key type \"ssh-dss\" is not accepted; use ed25519 or ecdsa", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_with_only_good_lines_parses_every_key()
    {
        var text = $"{SshKeygen.Generate(_directory, "ed25519")}\n\n# comment\n{SshKeygen.Generate(_directory, "ecdsa", 256)}\n";
        Assert.Equal(2, AuthorizedKeysFile.Parse(text).Count);
    }

    [Fact]
    public void A_blob_of_another_type_than_the_line_says_is_refused()
    {
        var parts = SshKeygen.Generate(_directory, "ed25519").Split(' ');
        var error = Assert.Throws<AuthorizedKeyFormatException>(() => AuthorizedKeyLine.Parse($"ssh-rsa {parts[1]}"));
        Assert.Contains("is a \"ssh-ed25519\" key but the line says \"ssh-rsa\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ssh-ed25519 !!!notbase64!!!", "not valid base64")]
    [InlineData("ssh-ed25519", "key data is missing")]
    [InlineData("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==", "damaged")]
    [InlineData("no-pty", "key type and key data are missing")]
    [InlineData("bogus-option ssh-ed25519 AAAA", "unknown option \"bogus-option\"")]
    [InlineData("command=echo ssh-ed25519 AAAA", "double quotes")]
    [InlineData("command=\"echo ssh-ed25519 AAAA", "no closing double quote")]
    [InlineData("no-pty=\"x\" ssh-ed25519 AAAA", "takes no value")]
    [InlineData("cert-authority ssh-ed25519 AAAA", "cert-authority")]
    [InlineData("", "empty")]
    public void Malformed_lines_say_what_is_wrong(string text, string expected)
    {
        var error = Assert.Throws<AuthorizedKeyFormatException>(() => AuthorizedKeyLine.Parse(text));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.False(AuthorizedKeyLine.TryParse(text, out _, out var problem));
        Assert.Equal(error.Message, problem);
    }

    [Fact]
    public void Short_rsa_keys_are_refused()
    {
        var pub = SshKeygen.Generate(_directory, "rsa", 1024);
        var error = Assert.Throws<AuthorizedKeyFormatException>(() => AuthorizedKeyLine.Parse(pub));
        Assert.Contains("shorter than 2048 bits", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ecdsa_points_off_the_curve_are_refused()
    {
        using var writer = new SshWriter();
        writer.WriteString("ecdsa-sha2-nistp256");
        writer.WriteString("nistp256");
        var point = new byte[65];
        point[0] = 4;
        point[1] = 1; // (1, 0) is not on P-256
        writer.WriteString(point);
        var error = Assert.Throws<AuthorizedKeyFormatException>(
            () => AuthorizedKeyLine.Parse("ecdsa-sha2-nistp256 " + Convert.ToBase64String(writer.ToArray())));
        Assert.Contains("not on curve", error.Message, StringComparison.Ordinal);
    }

    private static byte[] SecurityKeyBlob(string type)
    {
        using var writer = new SshWriter();
        writer.WriteString(type);
        if (type.StartsWith("sk-ecdsa", StringComparison.Ordinal))
        {
            using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var q = ecdsa.ExportParameters(false).Q;
            writer.WriteString("nistp256");
            writer.WriteString([0x04, .. q.X!, .. q.Y!]);
        }
        else
        {
            writer.WriteString(RandomNumberGenerator.GetBytes(32));
        }
        writer.WriteString("ssh:");
        return writer.ToArray();
    }

    // Issue 14: a 10 KB line of base64 that holds no key was refused as 'is a "" key'.
    [Fact]
    public void Key_data_that_names_no_key_type_says_so()
    {
        var line = "ssh-ed25519 " + new string('A', 10_000) + " junk";

        var error = Assert.Throws<AuthorizedKeyFormatException>(() => AuthorizedKeyLine.Parse(line));

        Assert.DoesNotContain("\"\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("names no key type", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Length < 300, error.Message);
    }
}

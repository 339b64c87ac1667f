using System.Numerics;
using System.Text;
using Bastion.Ssh.Algorithms.HostKeys;
using Bastion.Ssh.Algorithms.PublicKeys;
using Bastion.Ssh.Tests.Algorithms.Support;
using Bastion.Ssh.Wire;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Bastion.Ssh.Tests.Algorithms.HostKeys;

// Unix file modes and ssh-keygen are part of what is tested.
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public class HostKeyFileTests
{
    private static readonly byte[] ExchangeHash = Encoding.ASCII.GetBytes("stand-in for the exchange hash H");

    [Fact]
    public void LoadOrCreate_creates_an_ed25519_key_that_ssh_keygen_reads()
    {
        using var directory = new TempDirectory();
        var path = Path.Combine(directory.Path, "state", "keys", "ssh_host_ed25519_key");

        using var key = HostKeyFile.LoadOrCreate(path);

        Assert.Equal("ssh-ed25519", key.KeyType);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute,
            File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        AssertSshKeygenAgrees(path, key);
        var publicLine = File.ReadAllText(path + ".pub");
        Assert.StartsWith(HostKeyFile.FormatPublicKeyLine(key) + " ", publicLine);

        using var again = HostKeyFile.LoadOrCreate(path);
        Assert.Equal(key.PublicKeyBlob, again.PublicKeyBlob);
    }

    [Fact]
    public void A_saved_rsa_key_is_readable_by_ssh_keygen_and_round_trips()
    {
        using var directory = new TempDirectory();
        var path = directory.File("ssh_host_rsa_key");
        using var key = RsaHostKey.Generate(2048);
        HostKeyFile.Save(key, path, "rsa host");

        AssertSshKeygenAgrees(path, key);
        using var loaded = HostKeyFile.Load(path);
        Assert.IsType<RsaHostKey>(loaded);
        Assert.Equal(key.PublicKeyBlob, loaded.PublicKeyBlob);
        var signature = loaded.Sign("rsa-sha2-256", ExchangeHash);
        Assert.True(RsaSha2PublicKeyAlgorithm.Sha256.Verify(key.PublicKeyBlob, ExchangeHash, signature).Valid);
    }

    [Fact]
    public void Loads_an_ssh_keygen_ed25519_key_and_signs_verifiably()
    {
        using var directory = new TempDirectory();
        var path = OpenSshKeys.Generate(directory, "ed25519");

        using var key = HostKeyFile.Load(path);

        var expectedBlob = OpenSshKeys.PublicKeyBlob(path + ".pub");
        Assert.Equal(expectedBlob, key.PublicKeyBlob);
        AssertSshKeygenAgrees(path, key);
        Assert.Equal(["ssh-ed25519"], key.SignatureAlgorithms);

        var signatureBlob = key.Sign("ssh-ed25519", ExchangeHash);
        Assert.True(Ed25519PublicKeyAlgorithm.Instance.Verify(expectedBlob, ExchangeHash, signatureBlob).Valid);

        // Independently: BouncyCastle's Ed25519 over the raw key from the .pub file.
        var rawKey = new SshReader(expectedBlob);
        rawKey.ReadString();
        var verifier = new Ed25519Signer();
        verifier.Init(false, new Ed25519PublicKeyParameters(rawKey.ReadStringSpan()));
        verifier.BlockUpdate(ExchangeHash, 0, ExchangeHash.Length);
        var signature = new SshReader(signatureBlob);
        Assert.Equal("ssh-ed25519", signature.ReadString());
        Assert.True(verifier.VerifySignature(signature.ReadStringSpan().ToArray()));
    }

    [Theory]
    [InlineData("rsa-sha2-512")]
    [InlineData("rsa-sha2-256")]
    public void Loads_an_ssh_keygen_rsa_3072_key_and_signs_verifiably(string algorithm)
    {
        using var directory = new TempDirectory();
        var path = OpenSshKeys.Generate(directory, "rsa", 3072);

        using var key = HostKeyFile.Load(path);

        var expectedBlob = OpenSshKeys.PublicKeyBlob(path + ".pub");
        Assert.Equal(expectedBlob, key.PublicKeyBlob);
        AssertSshKeygenAgrees(path, key);
        Assert.Equal(["rsa-sha2-512", "rsa-sha2-256"], key.SignatureAlgorithms);

        var signatureBlob = key.Sign(algorithm, ExchangeHash);
        var verifierAlgorithm = Bastion.Ssh.Algorithms.AlgorithmTable.Default.FindPublicKey(algorithm)!;
        Assert.True(verifierAlgorithm.Verify(expectedBlob, ExchangeHash, signatureBlob).Valid);

        // Independently: BouncyCastle PKCS#1 v1.5 with the key from the .pub file.
        var blob = new SshReader(expectedBlob);
        blob.ReadString();
        var e = new Org.BouncyCastle.Math.BigInteger(1, blob.ReadMpintSpan().ToArray());
        var n = new Org.BouncyCastle.Math.BigInteger(1, blob.ReadMpintSpan().ToArray());
        var verifier = algorithm == "rsa-sha2-512" ? new RsaDigestSigner(new Sha512Digest()) : new RsaDigestSigner(new Sha256Digest());
        verifier.Init(false, new RsaKeyParameters(false, n, e));
        verifier.BlockUpdate(ExchangeHash, 0, ExchangeHash.Length);
        var signature = new SshReader(signatureBlob);
        Assert.Equal(algorithm, signature.ReadString());
        var raw = signature.ReadStringSpan().ToArray();
        Assert.Equal(384, raw.Length);
        Assert.True(verifier.VerifySignature(raw));
    }

    [Fact]
    public void Refuses_a_key_readable_by_group_or_others_and_says_how_to_fix_it()
    {
        using var directory = new TempDirectory();
        var path = OpenSshKeys.Generate(directory, "ed25519");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<HostKeyFileException>(() => HostKeyFile.Load(path));
        Assert.Contains($"chmod 600 {path}", error.Message);
        Assert.Contains("0644", error.Message);
        Assert.Throws<HostKeyFileException>(() => HostKeyFile.LoadOrCreate(path));
    }

    [Fact]
    public void Refuses_an_encrypted_key_clearly()
    {
        using var directory = new TempDirectory();
        var path = OpenSshKeys.Generate(directory, "ed25519", passphrase: "correct horse");

        var error = Assert.Throws<HostKeyFileException>(() => HostKeyFile.Load(path));
        Assert.Contains("passphrase", error.Message);
        Assert.Contains($"ssh-keygen -p -N '' -f {path}", error.Message);
    }

    [Fact]
    public void Refuses_an_unsupported_key_type_clearly()
    {
        using var directory = new TempDirectory();
        var path = OpenSshKeys.Generate(directory, "ecdsa", 256);

        var error = Assert.Throws<HostKeyFileException>(() => HostKeyFile.Load(path));
        Assert.Contains("ecdsa-sha2-nistp256", error.Message);
        Assert.Contains("not supported", error.Message);
    }

    [Fact]
    public void Refuses_a_pem_key_with_a_conversion_hint()
    {
        using var directory = new TempDirectory();
        var path = OpenSshKeys.Generate(directory, "rsa", 2048);
        ExternalTool.Run("ssh-keygen", "-p", "-q", "-P", "", "-N", "", "-m", "PEM", "-f", path);

        var error = Assert.Throws<HostKeyFileException>(() => HostKeyFile.Load(path));
        Assert.Contains("PEM", error.Message);
    }

    [Fact]
    public void Corrupt_files_give_host_key_errors_not_crashes()
    {
        using var key = Ed25519HostKey.Generate();
        var text = HostKeyFile.Format(key, "comment");
        var lines = text.Split('\n');
        var body = Convert.FromBase64String(string.Concat(lines[1..^2]));

        for (var length = 0; length < body.Length; length += 7)
        {
            var truncated = Armor(body.AsSpan(0, length));
            Assert.Throws<HostKeyFileException>(() => HostKeyFile.Parse(truncated));
        }
        for (var i = 0; i < body.Length; i++)
        {
            var corrupt = (byte[])body.Clone();
            corrupt[i] ^= 0x01;
            try
            {
                using var parsed = HostKeyFile.Parse(Armor(corrupt));
                // Only the comment may change without being noticed.
                Assert.Equal(key.PublicKeyBlob, parsed.PublicKeyBlob);
            }
            catch (HostKeyFileException)
            {
            }
        }
        Assert.Throws<HostKeyFileException>(() => HostKeyFile.Parse("not a key"));
        Assert.Throws<HostKeyFileException>(() => HostKeyFile.Parse("-----BEGIN OPENSSH PRIVATE KEY-----\n!!!\n-----END OPENSSH PRIVATE KEY-----\n"));
    }

    // Found by fuzz/private-key (CI, 20 s run): fields that multiply out right but do not fit the sizes .NET's RSA
    // import needs threw ArgumentOutOfRangeException out of the parser instead of a host key error.
    [Theory]
    [InlineData("unbalanced primes")]
    [InlineData("d longer than the modulus")]
    [InlineData("iqmp longer than half the modulus")]
    public void Rsa_fields_of_the_wrong_size_give_host_key_errors_not_crashes(string fault)
    {
        var q = BigInteger.Parse("170141183460469231731687303715884105727"); // 2^127 - 1, prime
        var p = fault == "unbalanced primes" ? new BigInteger(3) : BigInteger.Parse("618970019642690137449562111"); // 2^89 - 1
        var n = p * q;
        var e = new BigInteger(65537);
        var d = fault == "d longer than the modulus" ? n << 64 : new BigInteger(12345);
        var iqmp = fault == "iqmp longer than half the modulus" ? n << 8 : BigInteger.One;

        var text = Armor(RsaKeyBody(n, e, d, iqmp, p, q));

        var error = Assert.Throws<HostKeyFileException>(() => HostKeyFile.Parse(text));
        Assert.Contains("corrupt", error.Message);
    }

        [Fact]
    public void Missing_file_is_a_host_key_error()
    {
        using var directory = new TempDirectory();
        Assert.Throws<HostKeyFileException>(() => HostKeyFile.Load(directory.File("absent")));
    }

    [Fact]
    public void Refuses_to_sign_with_algorithms_the_key_does_not_have()
    {
        using var ed25519 = Ed25519HostKey.Generate();
        Assert.Throws<ArgumentException>(() => ed25519.Sign("rsa-sha2-256", ExchangeHash));
        using var rsa = RsaHostKey.Generate(2048);
        Assert.Throws<ArgumentException>(() => rsa.Sign("ssh-rsa", ExchangeHash));
        Assert.Throws<ArgumentException>(() => new RsaHostKey(System.Security.Cryptography.RSA.Create(1024)));
    }

    private static void AssertSshKeygenAgrees(string path, HostKey key)
    {
        var fingerprintLine = ExternalTool.Run("ssh-keygen", "-l", "-E", "sha256", "-f", path);
        Assert.Contains(" " + key.Fingerprint + " ", fingerprintLine);
        var publicLine = ExternalTool.Run("ssh-keygen", "-y", "-f", path).Trim();
        Assert.StartsWith(HostKeyFile.FormatPublicKeyLine(key), publicLine);
    }

    private static byte[] RsaKeyBody(BigInteger n, BigInteger e, BigInteger d, BigInteger iqmp, BigInteger p, BigInteger q)
    {
        using var publicBlob = new SshWriter(256);
        publicBlob.WriteString("ssh-rsa");
        publicBlob.WriteMpint(e);
        publicBlob.WriteMpint(n);
        using var section = new SshWriter(512);
        section.WriteUInt32(7);
        section.WriteUInt32(7);
        section.WriteString("ssh-rsa");
        foreach (var field in new[] { n, e, d, iqmp, p, q })
        {
            section.WriteMpint(field);
        }
        section.WriteString("comment");
        for (byte pad = 1; section.Length % 8 != 0; pad++)
        {
            section.WriteByte(pad);
        }
        using var file = new SshWriter(1024);
        file.WriteBytes("openssh-key-v1\0"u8);
        file.WriteString("none");
        file.WriteString("none");
        file.WriteString(ReadOnlySpan<byte>.Empty);
        file.WriteUInt32(1);
        file.WriteString(publicBlob.WrittenSpan);
        file.WriteString(section.WrittenSpan);
        return file.WrittenSpan.ToArray();
    }

    private static string Armor(ReadOnlySpan<byte> body)
    {
        var base64 = Convert.ToBase64String(body);
        return "-----BEGIN OPENSSH PRIVATE KEY-----\n" + base64 + "\n-----END OPENSSH PRIVATE KEY-----\n";
    }
}

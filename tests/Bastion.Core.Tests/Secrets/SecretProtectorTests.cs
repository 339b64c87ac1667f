using System.Runtime.Versioning;
using Bastion.Core.Secrets;
using Bastion.Core.Tests.Support;

namespace Bastion.Core.Tests.Secrets;

// Key-file permissions are a Unix concept; Bastion runs on Linux.
[UnsupportedOSPlatform("windows")]
public sealed class SecretProtectorTests : IDisposable
{
    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task The_key_file_is_created_private_and_reused()
    {
        var path = _directory.File("keys/secret.key");
        using var first = await SecretProtector.LoadOrCreateAsync(path);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(32, Convert.FromBase64String(File.ReadAllText(path).Trim()).Length);

        using var second = await SecretProtector.LoadOrCreateAsync(path);
        using var secret = new Secret([1, 2, 3]);
        using var back = second.Unprotect(first.Protect(secret, "totp-seed", "alice"), "totp-seed", "alice");
        Assert.Equal([1, 2, 3], back.Reveal().ToArray());
    }

    [Fact]
    public async Task Processes_creating_the_key_file_at_once_agree_on_one_key()
    {
        var path = _directory.File("race.key");
        var protectors = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => SecretProtector.LoadOrCreateAsync(path))));
        using var secret = new Secret([42]);
        var sealedByFirst = protectors[0].Protect(secret, "p", "alice");

        foreach (var protector in protectors)
        {
            using var opened = protector.Unprotect(sealedByFirst, "p", "alice");
            Assert.Equal([42], opened.Reveal().ToArray());
            protector.Dispose();
        }
        Assert.Single(Directory.GetFiles(_directory.Path));
    }

    [Theory]
    [InlineData(UnixFileMode.GroupRead)]
    [InlineData(UnixFileMode.OtherRead)]
    public async Task A_key_file_others_can_read_is_refused_with_chmod_advice(UnixFileMode extra)
    {
        var path = _directory.File("secret.key");
        (await SecretProtector.LoadOrCreateAsync(path)).Dispose();
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | extra);

        var error = await Assert.ThrowsAsync<SecretProtectionException>(() => SecretProtector.LoadOrCreateAsync(path));

        Assert.Contains($"chmod 600 {path}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_file_without_a_key_is_refused()
    {
        var path = _directory.File("secret.key");
        File.WriteAllText(path, "not a key");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var error = await Assert.ThrowsAsync<SecretProtectionException>(() => SecretProtector.LoadOrCreateAsync(path));
        Assert.Contains("restore it from backup", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Ciphertext_has_the_documented_layout_and_is_bound_to_user_and_purpose()
    {
        using var protector = new SecretProtector(new byte[32]);
        using var secret = new Secret(new byte[20]);

        var ciphertext = protector.Protect(secret, SecretProtector.TotpPurpose, "alice");

        Assert.Equal(1, ciphertext[0]);
        Assert.Equal(1 + 12 + 20 + 16, ciphertext.Length);
        Assert.NotEqual(ciphertext, protector.Protect(secret, SecretProtector.TotpPurpose, "alice")); // fresh nonce
        var wrongUser = Assert.Throws<SecretProtectionException>(() => protector.Unprotect(ciphertext, SecretProtector.TotpPurpose, "bob"));
        Assert.Contains("re-enroll", wrongUser.Message, StringComparison.Ordinal);
        Assert.Throws<SecretProtectionException>(() => protector.Unprotect(ciphertext, "other-purpose", "alice"));
        ciphertext[20] ^= 1;
        Assert.Throws<SecretProtectionException>(() => protector.Unprotect(ciphertext, SecretProtector.TotpPurpose, "alice"));
        Assert.Throws<SecretProtectionException>(() => protector.Unprotect(new byte[5], SecretProtector.TotpPurpose, "alice"));
        using var otherKey = new SecretProtector(Enumerable.Repeat((byte)7, 32).ToArray());
        Assert.Throws<SecretProtectionException>(
            () => otherKey.Unprotect(protector.Protect(secret, SecretProtector.TotpPurpose, "alice"), SecretProtector.TotpPurpose, "alice"));
    }

    [Fact]
    public void Secrets_do_not_print()
    {
        using var secret = new Secret([1, 2, 3]);
        Assert.Equal("[redacted]", secret.ToString());
        Assert.Equal("value: [redacted]", $"value: {secret}");
        using var protector = new SecretProtector(new byte[32]);
        Assert.DoesNotContain("AAAA", protector.ToString(), StringComparison.Ordinal);
    }
}
